"""`make bench`: every benchmark in one run, figures printed as it goes."""

from __future__ import annotations

import shutil

from . import bench_engine, bench_socket


def main() -> None:
    print("== engine")
    bench_engine.main()
    print("== transport and memory")
    bench_socket.main()
    print("== crisis detection and routing")
    from . import bench_safety

    bench_safety.main()
    print("== typed-text cost: ordinary vs amplifying Unicode")
    from . import bench_amplify

    bench_amplify.main()
    print("== in-browser fingerprinting")
    if shutil.which("chromium") or shutil.which("/usr/bin/chromium"):
        from . import bench_pdq

        bench_pdq.main()
        print("== page weight")
        from . import bench_page

        bench_page.main()
    else:
        print("skipped: /usr/bin/chromium is not installed (apt-get install chromium)")


if __name__ == "__main__":
    main()
