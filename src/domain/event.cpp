#include "domain/event.hpp"

namespace opchat {

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kMessageCreated: return "message.created";
    case EventType::kChatCreated: return "chat.created";
    case EventType::kChatStatusChanged: return "chat.status_changed";
  }
  return "unknown";
}

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (EventType t :
       {EventType::kMessageCreated, EventType::kChatCreated, EventType::kChatStatusChanged}) {
    if (EventTypeName(t) == name) return t;
  }
  return std::nullopt;
}

std::optional<EventType> EventTypeFromCode(int64_t code) {
  if (code >= 1 && code <= 3) return static_cast<EventType>(code);
  return std::nullopt;
}

}  // namespace opchat
