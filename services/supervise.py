"""The launcher's services as child processes: started, restarted with back-off, stopped."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from wirewatch.core.lifecycle import die_with_parent

log = logging.getLogger("wirewatch.run")
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 30.0
STABLE_S = 60.0  # a service that ran this long before dying starts again from the first delay
STOP_TIMEOUT_S = 20.0


def restart_delay(crashes: int) -> float:
    """Seconds before restart after `crashes` crashes in a row: 1, 2, 4, ... up to 30."""
    return float(min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** max(crashes - 1, 0)))


@dataclass
class Service:
    """One service process: `python -m services.<module>` with its environment."""

    name: str
    module: str
    env: dict[str, str]
    ready_url: str
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    crashes: int = 0  # in a row, each after less than STABLE_S of running
    restarts: int = 0
    due: float | None = None  # when a crashed service starts again

    def start(self) -> None:
        # A session of its own: Ctrl-C reaches only the launcher, which stops us in order.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"wirewatch.{self.module}"],
            env=self.env,
            start_new_session=True,
            preexec_fn=die_with_parent,  # a killed launcher leaves no service behind
        )
        self.started_at = time.monotonic()

    @property
    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()


@dataclass
class Supervisor:
    """Restarts a service that exits, after a growing delay, as long as the run lasts.

    The others keep running and the broker keeps its data, so a crashed enrich resumes
    from its committed offsets and a crashed api rebuilds its view from the topics."""

    services: list[Service]

    def start_all(self) -> None:
        for service in self.services:
            service.start()

    def check(self) -> None:
        """Notice exits and start again the services whose delay is over."""
        now = time.monotonic()
        for service in self.services:
            if service.due is None and service.exited is not None:
                self._crashed(service, now)
            elif service.due is not None and now >= service.due:
                service.due = None
                service.restarts += 1
                service.start()
                log.warning("%s restarted (restart %d)", service.name, service.restarts)

    @staticmethod
    def _crashed(service: Service, now: float) -> None:
        if now - service.started_at >= STABLE_S:
            service.crashes = 0
        service.crashes += 1
        delay = restart_delay(service.crashes)
        service.due = now + delay
        # A clean exit (someone stopped it) is worth a warning; a crash, an error.
        log.log(
            logging.WARNING if service.exited == 0 else logging.ERROR,
            "%s exited with code %s; restarting it in %.0f s (the others and the data stay)",
            service.name,
            service.exited,
            delay,
        )

    def stop_all(self) -> None:
        """SIGTERM to every running service, then wait; kill what does not stop in time."""
        running = [s for s in self.services if s.proc is not None and s.exited is None]
        for service in running:
            assert service.proc is not None
            service.proc.send_signal(signal.SIGTERM)
        for service in running:
            assert service.proc is not None
            try:
                service.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0f s; killing it", service.name, STOP_TIMEOUT_S)
                service.proc.kill()
                service.proc.wait()
