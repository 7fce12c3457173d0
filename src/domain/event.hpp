// An event (docs/api.md, "Events"): one change of a channel's chats, as the storage layer records
// it in the same transaction as the change, and as the live transports deliver it.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/chat.hpp"

namespace opchat {

enum class EventType : int {
  kMessageCreated = 1,     // "message.created": a message was stored (send or import)
  kChatCreated = 2,        // "chat.created"
  kChatStatusChanged = 3,  // "chat.status_changed": accept, suspend, resume, end, delete
};

// The wire name, e.g. "message.created".
std::string_view EventTypeName(EventType type);
// The type of a wire name; nullopt for anything else.
std::optional<EventType> EventTypeFromName(std::string_view name);
// The type of a stored code; nullopt for an unknown one.
std::optional<EventType> EventTypeFromCode(int64_t code);

// A set of event types; the empty set means "every type".
class EventTypeSet {
 public:
  void Add(EventType type) { bits_ |= 1u << static_cast<int>(type); }
  bool empty() const { return bits_ == 0; }
  // Whether an event of this type passes the filter (always, for the empty set).
  bool Passes(EventType type) const {
    return bits_ == 0 || (bits_ & (1u << static_cast<int>(type))) != 0;
  }

 private:
  unsigned bits_ = 0;
};

struct Event {
  // The event's position in its channel: 1, 2, 3, ... dense within the channel, in commit
  // order (the cursor of docs/design.md, "Events"). Other channels count on their own.
  int64_t id = 0;
  EventType type = EventType::kMessageCreated;
  std::string channel;
  std::string chat_id;
  int64_t time_ms = 0;  // when the change was committed (server clock)
  // message.created: the message's position, and the message as stored. `message` is absent
  // when the message no longer exists (its chat was deleted by retention after the event).
  int64_t seq = 0;
  std::optional<Message> message;
  // chat.created and chat.status_changed: the chat as it was right after the change.
  std::optional<Chat> chat;
  // chat.status_changed: the status before the change.
  std::optional<ChatStatus> from;
};

}  // namespace opchat
