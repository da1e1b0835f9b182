// Every page that is not the chat: only the quick exit.
import { installQuickExit } from "./lib/quick-exit.js";

installQuickExit();
