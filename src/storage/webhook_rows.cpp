#include "storage/webhook_rows.hpp"

#include "storage/chat_rules.hpp"

namespace opchat {

DeliveryState DeliveryStateOfCode(int64_t code) {
  switch (code) {
    case 0: return DeliveryState::kPending;
    case 1: return DeliveryState::kSucceeded;
    default: return DeliveryState::kFailed;
  }
}

EventType EventTypeOfCode(int64_t code) {
  return EventTypeFromCode(code).value_or(EventType::kMessageCreated);
}

WebhookEndpoint ReadWebhookEndpoint(const RowReader& row, int first) {
  WebhookEndpoint w;
  w.id = row.String(first);
  w.channel = row.String(first + 1);
  w.url = row.String(first + 2);
  w.types = store_rules::EventTypesOfMask(row.Int(first + 3));
  w.secret = row.String(first + 4);
  w.previous_secret = row.String(first + 5);
  w.previous_secret_until_ms = row.Int(first + 6);
  w.enabled = row.Int(first + 7) != 0;
  w.disabled_reason = row.String(first + 8);
  w.created_ms = row.Int(first + 9);
  w.cursor = row.Int(first + 10);
  w.failing_since_ms = row.Int(first + 11);
  return w;
}

DeliveryRecord ReadDeliveryRecord(const RowReader& row, int first) {
  DeliveryRecord d;
  d.endpoint_id = row.String(first);
  d.event_id = row.Int(first + 1);
  d.chat_id = row.String(first + 2);
  d.event_type = EventTypeOfCode(row.Int(first + 3));
  d.state = DeliveryStateOfCode(row.Int(first + 4));
  d.created_ms = row.Int(first + 5);
  d.next_attempt_ms = row.Int(first + 6);
  return d;
}

WebhookAttempt ReadWebhookAttempt(const RowReader& row, int first) {
  WebhookAttempt a;
  a.time_ms = row.Int(first);
  a.http_status = static_cast<int>(row.Int(first + 1));
  a.latency_ms = row.Int(first + 2);
  a.error = row.String(first + 3);
  a.response = row.String(first + 4);
  return a;
}

}  // namespace opchat
