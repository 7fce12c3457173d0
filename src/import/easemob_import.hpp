// Imports Easemob (环信) chat history into opchat chats (`opchat import easemob`).
//
// Which chat a message joins:
// 1. The chat key: when the record's payload has a value at the key path (default ext.chatId,
//    the place apps commonly keep their own session id), that value is the chat id, of the
//    import's channel (chat ids are per channel: another channel's chat of the same id is
//    another chat and is never touched).
// 2. Otherwise the user↔operator pair's conversation, cut into chats wherever the pair was
//    silent for longer than the idle gap (default 30 minutes). Such a chat's id is "u0001" +
//    32 hex digits derived from the channel, the pair and the msg_id of its first message, so
//    importing the same records again yields the same chats. When the pair's first record in a
//    run is within the gap of the run's earliest record, the pair's newest chat in the
//    database continues if its last message is at most the gap before: a conversation cut by
//    the hour boundary of two export files imported one after the other stays one chat.
// Which side is the operator: `from` or `to` matching an --operator id or --operator-prefix;
// exactly one side must match. Only one-to-one records (chat_type "chat") are imported; group
// and chat-room records are counted and skipped.
//
// Order: a chat's messages get positions in the order they are imported, so records pass
// through a reorder window (default 20000 records) sorted by time; files are read in the order
// given and the window spans files. A record more than a window's worth of records later than
// its time is imported where it arrives and counted as late (reported with file:line): give
// the files in time order (hourly export names sort that way). Memory is bounded by the window,
// a batch, and the pairs active within the last idle gap.
//
// Idempotent: msg_id is the message's userMessageId and Store::Import skips ids a chat already
// holds. Not thread-safe (one import at a time per call).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "storage/store.hpp"

namespace opchat {

struct EasemobImportReport {
  int64_t files = 0;
  int64_t records = 0;   // JSON records read (good or bad)
  int64_t messages = 0;  // messages made from good records (one per body)
  int64_t inserted = 0;
  int64_t duplicates = 0;       // already stored: skipped
  int64_t rejected = 0;         // bad records, each reported through on_bad_record
  int64_t group_records = 0;    // groupchat / chatroom records: not customer-service chats
  int64_t late = 0;             // imported out of time order, each reported through on_late
  int64_t chats_started = 0;    // chats begun by the idle-gap rule
  int64_t chats_continued = 0;  // pairs that continued a chat already in the database
  int64_t keyed_records = 0;    // records placed by their chat key
  int64_t bytes_read = 0;       // of the files as stored, for progress
  int64_t bytes_total = 0;
};

struct EasemobImportOptions {
  std::string channel;                  // required: the channel of every imported chat
  std::string chat_key = "ext.chatId";  // dot path into the payload; empty: never
  int64_t idle_gap_ms = 30 * 60 * 1000;
  std::vector<std::string> operator_ids;
  std::vector<std::string> operator_prefixes;
  size_t batch_size = 5000;
  ImportOptions store;  // how each batch is written (events or not)
  size_t reorder_window = 20000;
  std::function<void(const std::string& file, int64_t line, const std::string& why)> on_bad_record;
  std::function<void(const std::string& file, int64_t line)> on_late;
  std::function<void(const EasemobImportReport&)> on_progress;  // after each batch
};

// Imports `files` in order. InvalidArgument when the options are unusable (no channel, no
// operator rule) or a file cannot be opened or read; storage errors as Store::Import returns
// them. Batches committed before an error stay: running again completes the import.
Result<EasemobImportReport> ImportEasemob(const std::vector<std::string>& files, Store& store,
                                          const EasemobImportOptions& options);

}  // namespace opchat
