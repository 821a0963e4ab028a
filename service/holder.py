"""Holds the serving model and swaps it for a newly promoted one without failing a request.

Requests take a snapshot (`current()`) and use it to the end, so a swap never changes the model
under a running prediction. A new model is fully loaded and verified before the reference is
replaced; if loading fails, the old model keeps serving and the failure is logged. A background
thread watches the registry's CURRENT pointer so every worker process follows a promotion or
rollback made by any other process within `reload_interval` seconds.

One lock covers reading the pointer, loading, re-checking the pointer and swapping, for the
watcher and for promote/rollback alike: a slow load can never put back a model that a rollback
has just taken out of service.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from classifier.errors import ClassifierError
from classifier.manifest import Manifest
from classifier.model import StageClassifier
from classifier.registry import Registry

log = logging.getLogger("ai_stage.holder")


@dataclass(frozen=True)
class Serving:
    classifier: StageClassifier
    manifest: Manifest

    @property
    def version(self) -> str:
        return self.classifier.version


class ModelHolder:
    def __init__(
        self, registry: Registry, on_swap: Callable[[str, str | None], None] | None = None
    ) -> None:
        self.registry = registry
        self._on_swap = on_swap
        self._serving: Serving | None = None
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.last_error: str | None = None

    def current(self) -> Serving | None:
        return self._serving

    def load_current(self) -> Serving:
        """Load the registry's current model and make it the serving one."""
        with self._lock:
            classifier, manifest = self.registry.load()
            serving = Serving(classifier, manifest)
            self._swap(serving)
            return serving

    def refresh(self) -> bool:
        """Follow the CURRENT pointer; True when the serving model changed."""
        with self._lock:
            try:
                wanted = self.registry.current_version()
                serving = self._serving
                if wanted is None or (serving is not None and serving.version == wanted):
                    return False
                classifier, manifest = self.registry.load(wanted)
                if self.registry.current_version() != wanted:
                    return False  # moved on while we loaded; the next check follows it
            except (ClassifierError, OSError) as exc:
                self._remember(exc)
                return False
            self._swap(Serving(classifier, manifest))
            self.last_error = None
            log.info("now serving model %s", classifier.version)
            return True

    def promote(self, version: str) -> Serving:
        """Load and verify `version` (one unpickle), point CURRENT at it, and serve it."""
        with self._lock:
            classifier, manifest = self.registry.load(version)
            self.registry.promote(version)
            serving = Serving(classifier, manifest)
            self._swap(serving)
            return serving

    def rollback(self) -> Serving:
        """Load and verify the previous version before CURRENT points at it, then serve it."""
        with self._lock:
            target = self.registry.rollback_target()
            classifier, manifest = self.registry.load(target)
            self.registry.rollback(expected=target)
            serving = Serving(classifier, manifest)
            self._swap(serving)
            return serving

    def _remember(self, exc: BaseException) -> None:
        message = exc.message if isinstance(exc, ClassifierError) else str(exc)
        if message != self.last_error:
            log.error("keeping the serving model; could not load the new one: %s", message)
        self.last_error = message

    def _swap(self, serving: Serving) -> None:
        previous = self._serving
        self._serving = serving
        if self._on_swap:
            self._on_swap(serving.version, previous.version if previous else None)

    def start_watching(self, interval: float) -> None:
        def watch() -> None:
            while not self._stop.wait(interval):
                try:
                    self.refresh()
                except Exception as exc:  # the watcher must outlive any one bad model
                    log.exception("model watcher: unexpected error; still watching")
                    self.last_error = f"{type(exc).__name__} while following CURRENT"

        self._watcher = threading.Thread(target=watch, name="model-watcher", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
