"""The built-in offline agent: a small understanding pipeline behind the model seam.

normalise (`text`, `lexicon`) -> understand (`understand`: `clauses`, `politeness`, the
`readers_*` ranked by `tiers`, `binding`, `adds`, `targets`) -> answer a pending question
(`answers`, with `context` and `state` read from the stored conversation) -> act (`intents`
declares each intent, `act` plans its calls, `lookup` reads the task list, `resolve` finds
tasks) -> reply (`replies`), driven by `OfflineModel` (`model`) on typed messages.

To add an intent: declare it in `intents.INTENTS`, give it a reader (`readers_*`) and its
words (`lexicon`), and test it."""

from chat.agent.offline.model import OfflineModel

__all__ = ["OfflineModel"]
