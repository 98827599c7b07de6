// Ingest when the storage cannot write: 507 for a full disk, 503 for a read-only or failing data
// dir, with the {"error","message"} shape; the next ingest after space returns is 202 again.

#include <gtest/gtest.h>
#include <simdjson.h>

#include "common/testing/fake_clock.h"
#include "model/report_json.h"
#include "server/router.h"
#include "tsdb/memory_storage.h"

namespace kubemonitor::server {
namespace {

// A MemoryStorage whose ingest fails with `failure` while one is set.
class FailingStorage final : public tsdb::Storage {
 public:
  explicit FailingStorage(const Clock& clock) : inner_(clock, std::chrono::hours(1)) {}
  std::optional<Error> failure;

  Result<tsdb::IngestOutcome> ingest(const model::Report& report) override {
    if (failure) return *failure;
    return inner_.ingest(report);
  }
  std::vector<tsdb::NodeSample> latestNodes() const override { return inner_.latestNodes(); }
  std::optional<tsdb::NodeSample> latestNode(std::string_view node) const override { return inner_.latestNode(node); }
  std::vector<tsdb::NodeSample> nodeSeries(std::string_view node, const tsdb::SeriesQuery& q) const override {
    return inner_.nodeSeries(node, q);
  }
  std::vector<tsdb::ObjectSample> latest(tsdb::ObjectKind kind, const tsdb::LatestFilter& filter) const override {
    return inner_.latest(kind, filter);
  }
  std::optional<tsdb::ObjectSample> latestObject(const tsdb::ObjectKey& key, int64_t stale_ms) const override {
    return inner_.latestObject(key, stale_ms);
  }
  std::vector<tsdb::ObjectSample> series(const tsdb::ObjectKey& key, const tsdb::SeriesQuery& q) const override {
    return inner_.series(key, q);
  }
  std::vector<tsdb::NamespaceCandidate> findNamespaces(tsdb::ObjectKind kind, std::string_view name,
                                                       int64_t stale_ms) const override {
    return inner_.findNamespaces(kind, name, stale_ms);
  }
  std::vector<tsdb::ContainerSample> latestContainers(const tsdb::ObjectKey& pod) const override {
    return inner_.latestContainers(pod);
  }
  tsdb::StorageStats stats() const override { return inner_.stats(); }

 private:
  tsdb::MemoryStorage inner_;
};

class StorageErrorsTest : public ::testing::Test {
 protected:
  HttpResponse ingest() {
    model::Report r;
    r.node = "node-a";
    r.timestamp_ms = toUnixMs(clock_.wallNow());
    r.interval_ms = 10'000;
    r.node_usage.cpu_count = 2;
    r.node_usage.cpu_capacity_millicores = 2000;
    r.node_usage.memory_capacity_bytes = 1ULL << 30;
    HttpRequest request;
    request.method = "POST";
    request.target = "/api/ingest";
    request.body = model::encodeReport(r);
    return router_.handle(request);
  }
  void expectError(const HttpResponse& response, int status, std::string_view code, std::string_view words) {
    EXPECT_EQ(response.status, status) << response.body;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_FALSE(parser.parse(response.body).get(doc)) << response.body;
    EXPECT_EQ(doc["error"].get_string().value(), code);
    EXPECT_NE(std::string(doc["message"].get_string().value()).find(words), std::string::npos) << response.body;
  }

  FakeClock clock_;
  FailingStorage storage_{clock_};
  Router router_{storage_, clock_, ServerOptions{}};
};

TEST_F(StorageErrorsTest, FullDiskIs507AndRecoversWhenSpaceReturns) {
  storage_.failure = makeError(ErrorCode::kIo, "cannot write the WAL: no space left on device", "/data/wal/x");
  expectError(ingest(), 507, "insufficient_storage", "no space left on device");
  storage_.failure.reset();
  EXPECT_EQ(ingest().status, 202);
  EXPECT_EQ(storage_.stats().samples, 1U);
}

TEST_F(StorageErrorsTest, ReadOnlyOrFailingDataDirIs503) {
  storage_.failure = makeError(ErrorCode::kPermission, "cannot write the WAL: Read-only file system", "/data/wal");
  expectError(ingest(), 503, "storage_unavailable", "Read-only");
  storage_.failure = makeError(ErrorCode::kIo, "cannot sync the WAL: Input/output error");
  expectError(ingest(), 503, "storage_unavailable", "Input/output");
  storage_.failure = makeError(ErrorCode::kInternal, "invariant");
  expectError(ingest(), 500, "internal", "invariant");
}

}  // namespace
}  // namespace kubemonitor::server
