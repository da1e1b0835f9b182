// Sends chat actions over Socket.IO, falling back to the JSON API when the
// socket is not connected (a flaky phone connection should not stop a turn).
import { io } from "socket.io-client";

export function connect(onTurn, onProblem) {
  const socket = io("/chat", { transports: ["websocket", "polling"] });
  socket.on("turn", onTurn);
  socket.on("problem", onProblem);

  async function viaHttp(action) {
    try {
      const res = await fetch("/api/v1/turn", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(action),
        credentials: "omit",
      });
      const body = await res.json();
      if (res.ok) onTurn(body);
      else onProblem(body);
    } catch {
      onProblem({ error: { code: "offline" } });
    }
  }

  return {
    send(action) {
      if (socket.connected) socket.emit("act", action);
      else viaHttp(action);
    },
  };
}
