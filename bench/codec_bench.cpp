// `kubemonitor-bench codec`: bytes/sample of each chunk encoding on the generated Kubernetes series
// (tsdb/testing/series_generator.h), for 120- and 720-sample chunks, and encode/decode speed of the
// default (auto) choice. Figures go to docs/tsdb-codecs.md.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "bench_result.h"
#include "tsdb/chunk.h"
#include "tsdb/testing/series_generator.h"

namespace kubemonitor::bench {
namespace {

using tsdb::ChunkEncoder;
using tsdb::ChunkOptions;
using tsdb::Sample;
using tsdb::testing::SeriesShape;

struct NamedOptions {
  const char* name;
  ChunkOptions options;
};

// Each encoding on its own, then with zstd, then what finish() picks by default.
const NamedOptions kEncodings[] = {
    {"xor", {.allow_xor = true, .allow_delta = false, .allow_delta_of_delta = false, .allow_scaled = false, .allow_zstd = false}},
    {"delta", {.allow_xor = false, .allow_delta = true, .allow_delta_of_delta = false, .allow_scaled = true, .allow_zstd = false}},
    {"dod", {.allow_xor = false, .allow_delta = false, .allow_delta_of_delta = true, .allow_scaled = true, .allow_zstd = false}},
    {"xor_zstd", {.allow_xor = true, .allow_delta = false, .allow_delta_of_delta = false, .allow_scaled = false, .allow_zstd = true}},
    {"delta_zstd", {.allow_xor = false, .allow_delta = true, .allow_delta_of_delta = false, .allow_scaled = true, .allow_zstd = true}},
    {"auto_nozstd", {.allow_zstd = false}},
    {"auto", {}},
};

// Bytes/sample of `samples` cut into chunks of `chunk_samples`.
double bytesPerSample(const std::vector<Sample>& samples, size_t chunk_samples, tsdb::ValueKind kind,
                      const ChunkOptions& options) {
  ChunkEncoder encoder(kind, options);
  size_t bytes = 0;
  for (const Sample& s : samples) {
    if (!encoder.append(s.ts_ms, s.value).ok()) return -1;
    if (encoder.size() == chunk_samples) bytes += encoder.finish().size();
  }
  if (encoder.size() > 0) bytes += encoder.finish().size();
  return static_cast<double>(bytes) / static_cast<double>(samples.size());
}

}  // namespace

int runCodecBench(const CodecBenchOptions& options, BenchResult& result) {
  using Clock = std::chrono::steady_clock;
  const size_t total = options.samples_per_series;
  double all_bytes_720 = 0;
  size_t encoded = 0;
  size_t decoded = 0;
  double encode_s = 0;
  double decode_s = 0;
  for (SeriesShape shape : tsdb::testing::kAllSeriesShapes) {
    const std::string name(tsdb::testing::seriesShapeName(shape));
    const tsdb::ValueKind kind = tsdb::testing::seriesShapeKind(shape);
    const auto samples = tsdb::testing::generateSeries(shape, total, 42);
    for (size_t chunk_samples : {size_t{120}, size_t{720}}) {
      for (const NamedOptions& encoding : kEncodings) {
        const double bps = bytesPerSample(samples, chunk_samples, kind, encoding.options);
        if (bps < 0) return 1;
        result.add(name + "_" + std::to_string(chunk_samples) + "_" + encoding.name + "_bytes_per_sample", bps);
        if (chunk_samples == 720 && std::string_view(encoding.name) == "auto") all_bytes_720 += bps;
      }
    }
    // Speed of the default: encode and decode 720-sample chunks, repeated to ~0.2 s per shape.
    std::vector<std::vector<uint8_t>> chunks;
    const auto encode_start = Clock::now();
    for (int rep = 0; rep < options.repetitions; ++rep) {
      chunks.clear();
      ChunkEncoder encoder(kind);
      for (const Sample& s : samples) {
        if (!encoder.append(s.ts_ms, s.value).ok()) return 1;
        if (encoder.size() == 720) chunks.push_back(encoder.finish());
      }
      if (encoder.size() > 0) chunks.push_back(encoder.finish());
      encoded += samples.size();
    }
    encode_s += std::chrono::duration<double>(Clock::now() - encode_start).count();
    const auto decode_start = Clock::now();
    for (int rep = 0; rep < options.repetitions; ++rep) {
      for (const auto& chunk : chunks) {
        auto out = tsdb::decodeChunk(chunk);
        if (!out) {
          std::fprintf(stderr, "codec bench: %s\n", out.error().toString().c_str());
          return 1;
        }
        decoded += out->samples.size();
      }
    }
    decode_s += std::chrono::duration<double>(Clock::now() - decode_start).count();
    if (!options.corpus_dir.empty()) {
      // Seeds for fuzz_chunk_decode: a short chunk (default choice), the same forced to XOR, and a
      // full 720-sample one (zstd on the idle shapes).
      std::filesystem::create_directories(options.corpus_dir);
      auto write = [&](const std::string& file, size_t count, const ChunkOptions& chunk_options) {
        ChunkEncoder seed(kind, chunk_options);
        for (size_t i = 0; i < count && i < samples.size(); ++i) (void)seed.append(samples[i].ts_ms, samples[i].value);
        const auto chunk = seed.finish();
        std::ofstream(options.corpus_dir + "/" + file, std::ios::binary)
            .write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
      };
      write(name + ".chunk", 40, {});
      write(name + "_xor.chunk", 40, kEncodings[3].options);
      write(name + "_720.chunk", 720, {});
    }
  }
  const auto shapes = static_cast<double>(std::size(tsdb::testing::kAllSeriesShapes));
  result.add("mean_720_auto_bytes_per_sample", all_bytes_720 / shapes);
  result.add("encode_samples_per_sec", static_cast<double>(encoded) / encode_s);
  result.add("decode_samples_per_sec", static_cast<double>(decoded) / decode_s);
  return 0;
}

}  // namespace kubemonitor::bench
