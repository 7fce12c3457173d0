#include "common/metrics.hpp"

#include <gtest/gtest.h>

namespace opchat {
namespace {

TEST(MetricsTest, RendersPrometheusTextWithBoundedLabels) {
  Metrics m({"chats"});
  m.RecordRequest("chats", 200, 0.0007);
  m.RecordRequest("chats", 200, 0.2);
  m.RecordRequest("/etc/passwd", 404, 0.0001);
  m.AddConnections(3);
  m.AddConnections(-1);
  std::string text = m.Render();
  EXPECT_NE(text.find("opchat_requests_total{endpoint=\"chats\",code=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("opchat_requests_total{endpoint=\"other\",code=\"404\"} 1"),
            std::string::npos);
  EXPECT_EQ(text.find("passwd"), std::string::npos) << "unknown paths never become labels";
  EXPECT_NE(text.find("opchat_request_duration_seconds_bucket{endpoint=\"chats\",le=\"0.001\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("opchat_request_duration_seconds_bucket{endpoint=\"chats\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("opchat_request_duration_seconds_count{endpoint=\"chats\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("opchat_connections 2"), std::string::npos);
  EXPECT_NE(text.find("# TYPE opchat_requests_total counter"), std::string::npos);
}

}  // namespace
}  // namespace opchat
