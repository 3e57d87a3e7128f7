"""Runs `transformers serve` (same arguments) with two log lines more per streamed generation.

transformers serve stops generating when a streaming client disconnects (its streamer's `put`
raises between two decode steps), but logs nothing about it. The remote engine's tests must show
from the server's own log that a cancelled request stopped the server's work, so this launcher
wraps the streamer used for plain (non-batched) generation:

    [lens-serve] generation stopped after N new tokens: the client disconnected
    [lens-serve] generation finished after N new tokens

It fails at start, naming what is missing, when the installed transformers has other internals.
"""

import sys

from transformers.cli import transformers as cli
from transformers.cli.serving import utils


def _log(message: str) -> None:
    print(f"[lens-serve] {message}", file=sys.stderr, flush=True)


def _wrap_streamer() -> None:
    streamer = getattr(utils, "DirectStreamer", None)
    cancelled = getattr(utils, "_GenerationCancelled", None)
    if streamer is None or cancelled is None or not hasattr(streamer, "put") or not hasattr(streamer, "end"):
        raise SystemExit("serve_logged.py: this transformers has no serving.utils.DirectStreamer.put/end or _GenerationCancelled")
    original_put = streamer.put
    original_end = streamer.end

    def put(self, value):
        try:
            return original_put(self, value)
        except cancelled:
            _log(f"generation stopped after {self.total_tokens} new tokens: the client disconnected")
            raise

    def end(self):
        _log(f"generation finished after {self.total_tokens} new tokens")
        return original_end(self)

    streamer.put = put
    streamer.end = end


if __name__ == "__main__":
    _wrap_streamer()
    sys.argv = ["transformers", *sys.argv[1:]]
    cli.main()
