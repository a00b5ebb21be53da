"""The built-in offline agent: a small understanding pipeline behind the model seam.

normalise (`text`) -> understand (`understand`, `targets`) -> resolve (`resolve`, with
`context` read from the stored conversation) -> act (`act`) -> reply (`replies`), driven by
`OfflineModel` (`model`)."""

from chat.agent.offline.model import OfflineModel

__all__ = ["OfflineModel"]
