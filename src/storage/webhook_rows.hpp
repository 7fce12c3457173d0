// The rows of webhook endpoints, deliveries and attempts as both back ends store them: the
// column lists, in the order their statements select them, and the mapping to the structs of
// storage/webhook_store.hpp (as row_mapping.hpp does for chats and messages).
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>

#include "storage/row_mapping.hpp"
#include "storage/webhook_store.hpp"

// The endpoint columns that ReadWebhookEndpoint reads, in order. `types` is an EventTypeMask,
// `enabled` 0 or 1.
#define OPCHAT_WEBHOOK_COLUMNS                                                      \
  "id, channel_id, url, types, secret, previous_secret, previous_secret_until_ms, " \
  "enabled, disabled_reason, created_ms, cursor, failing_since_ms"

// The delivery columns that ReadDeliveryRecord reads, in order (its attempts come apart).
#define OPCHAT_DELIVERY_COLUMNS \
  "endpoint_id, event_id, chat_id, event_type, state, created_ms, next_attempt_ms"

// The attempt columns that ReadWebhookAttempt reads, in order.
#define OPCHAT_ATTEMPT_COLUMNS "time_ms, http_status, latency_ms, error, response"

namespace opchat {

WebhookEndpoint ReadWebhookEndpoint(const RowReader& row, int first = 0);
DeliveryRecord ReadDeliveryRecord(const RowReader& row, int first = 0);
WebhookAttempt ReadWebhookAttempt(const RowReader& row, int first = 0);

// The state of a stored code; an unknown code reads as failed (kept, never sent again).
DeliveryState DeliveryStateOfCode(int64_t code);
// The type of a stored event code; an unknown code reads as message.created (as ReadEvent).
EventType EventTypeOfCode(int64_t code);

}  // namespace opchat
