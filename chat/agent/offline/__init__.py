from chat.agent.offline.legacy import OfflineModel

__all__ = ["OfflineModel"]
