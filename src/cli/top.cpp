#include "cli/top.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cmath>
#include <ctime>
#include <thread>

#include <fmt/format.h>

#include "cli/units.h"
#include "cli/yaml.h"
#include "common/time_format.h"

namespace kubemonitor::cli {
namespace {

// Rows of a `top pod NAME` chart.
constexpr size_t kChartHeight = 8;
// The refresh interval when the server does not tell the agents' one (the agent's default).
constexpr double kDefaultRefreshSeconds = 5.0;
// Terminal control (ECMA-48 / xterm): alternate screen, cursor, home, clear to end of line / screen.
constexpr const char* kEnterScreen = "\x1b[?1049h\x1b[?25l";
constexpr const char* kLeaveScreen = "\x1b[?25h\x1b[?1049l";
constexpr const char* kHome = "\x1b[H";
constexpr const char* kClearLine = "\x1b[K";
constexpr const char* kClearBelow = "\x1b[J";

// What one refresh fetched.
struct Fetched {
  std::vector<JsonValue> items;  // lists; one item for a single object
  JsonValue document;            // what -o json/yaml print: the answer, or items reassembled
  std::string raw;               // the answer's body when `document` is exactly it; else empty
  bool single = false;
};

// A query string from key=value pairs, "" when empty.
std::string query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [key, value] : params) {
    q += q.empty() ? "?" : "&";
    q += key + "=" + urlEncode(value);
  }
  return q;
}

std::string listNamespace(const TopOptions& options) {
  if (options.all_namespaces) return "";
  return options.namespace_name.empty() ? "default" : options.namespace_name;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ",") + name;
  return out;
}

std::string pointFields(ObjectKind kind) {
  std::vector<std::string> names;
  for (Metric metric : historyMetrics(kind)) {
    for (auto& field : metricFields(metric, kind)) names.push_back(std::move(field));
  }
  return joined(names);
}

// The route of one object's series (the fallback for a server whose lists take no window).
std::string objectPath(ObjectKind kind, const JsonValue& item) {
  const std::string name = urlEncode(item.text("name"));
  const std::string ns = item.text("namespace");
  const std::string ns_query = ns.empty() ? "" : "namespace=" + urlEncode(ns);
  switch (kind) {
    case ObjectKind::kNode: return "/api/nodes/" + name + "?";
    case ObjectKind::kPod: return "/api/pods/" + name + "?" + (ns_query.empty() ? "" : ns_query + "&");
    case ObjectKind::kContainer:
      return "/api/pods/" + urlEncode(item.text("pod")) + "/containers/" + name + "?" +
             (ns_query.empty() ? "" : ns_query + "&");
    case ObjectKind::kNamespace: return "/api/namespaces/" + name + "?";
    case ObjectKind::kDeployment: return "/api/namespaces/" + urlEncode(ns) + "/deployments/" + name + "?";
  }
  return "/";
}

std::string collectionName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kNode: return "nodes";
    case ObjectKind::kPod: return "pods";
    case ObjectKind::kContainer: return "containers";
    case ObjectKind::kNamespace: return "namespaces";
    case ObjectKind::kDeployment: return "deployments";
  }
  return "";
}

class Top {
 public:
  Top(const TopOptions& options, ApiClient& client) : options_(options), client_(client) {}

  std::optional<Failure> fetch(Fetched& fetched) {
    fetched = Fetched{};
    merged_ = false;
    if (!options_.name.empty() && options_.kind != ObjectKind::kContainer) return fetchObject(fetched);
    std::string raw;
    if (auto failure = fetchList(options_.kind, fetched.items, raw)) return failure;
    const size_t before = fetched.items.size();
    filter(fetched.items);
    if (!options_.window.empty()) {
      if (auto failure = addMissingSeries(fetched.items)) return failure;
    }
    JsonValue items;
    items.type = JsonValue::Type::kArray;
    items.array = fetched.items;
    fetched.document.set("items", std::move(items));
    if (fetched.items.size() == before && !merged_) fetched.raw = std::move(raw);
    return std::nullopt;
  }

  std::string render(const Fetched& fetched) const {
    switch (options_.output) {
      case OutputFormat::kJson: return fetched.raw.empty() ? toJson(fetched.document) + "\n" : withNewline(fetched.raw);
      case OutputFormat::kYaml: return toYaml(fetched.document);
      case OutputFormat::kCsv: return fetched.single ? pointsCsv(fetched.items.front()) : listCsv(fetched.items);
      case OutputFormat::kTable:
      case OutputFormat::kWide: break;
    }
    if (fetched.single) return objectView(fetched.items.front());
    return listTable(fetched.items);
  }

  // The agents' interval: the step of a short node series (the finest step there is).
  double refreshSeconds() {
    Answer nodes;
    if (client_.getOk("/api/nodes", nodes)) return kDefaultRefreshSeconds;
    const JsonValue* items = nodes.json.find("items");
    if (items == nullptr || items->array.empty()) return kDefaultRefreshSeconds;
    Answer series;
    if (client_.getOk(objectPath(ObjectKind::kNode, items->array.front()) + "window=60", series)) {
      return kDefaultRefreshSeconds;
    }
    const auto step = series.json.number("step");
    return step && *step > 0 ? *step : kDefaultRefreshSeconds;
  }

 private:
  static std::string withNewline(const std::string& body) {
    return !body.empty() && body.back() == '\n' ? body : body + "\n";
  }

  std::vector<std::pair<std::string, std::string>> seriesParams(ObjectKind kind, bool with_fields) const {
    if (options_.window.empty()) return {};
    std::vector<std::pair<std::string, std::string>> params{{"window", options_.window}};
    if (with_fields) params.emplace_back("fields", pointFields(kind));
    return params;
  }

  // GET a list route; with a window, first with `fields=` (less to send), again without it when
  // the server refuses the parameter (a server before fleet windows answers 400 to unknown ones).
  std::optional<Failure> getList(const std::string& path, std::vector<std::pair<std::string, std::string>> params,
                                 ObjectKind kind, Answer& answer, bool with_series = true) {
    const auto series = with_series ? seriesParams(kind, true) : decltype(seriesParams(kind, true)){};
    auto with = params;
    with.insert(with.end(), series.begin(), series.end());
    if (auto failure = client_.get(path + query(with), answer)) return failure;
    if (answer.status == 400 && !series.empty()) {
      auto without = params;
      for (auto& p : seriesParams(kind, false)) without.push_back(std::move(p));
      if (auto failure = client_.get(path + query(without), answer)) return failure;
    }
    if (answer.status < 200 || answer.status > 299) return describeAnswer(answer);
    if (answer.json.find("items") == nullptr) {
      return Failure{kExitUnreachable, answer.url + " answered without \"items\": is this a kubemonitor server?"};
    }
    return std::nullopt;
  }

  static void takeItems(Answer& answer, std::vector<JsonValue>& items) {
    JsonValue* list = answer.json.find("items");
    for (auto& item : list->array) items.push_back(std::move(item));
  }

  // `with_series`: the items carry their points (with a window); false for the pods behind `top containers`.
  std::optional<Failure> fetchList(ObjectKind kind, std::vector<JsonValue>& items, std::string& raw,
                                   bool with_series = true) {
    Answer answer;
    const std::string ns = listNamespace(options_);
    std::vector<std::pair<std::string, std::string>> params;
    switch (kind) {
      case ObjectKind::kNode:
        if (auto failure = getList("/api/nodes", {}, kind, answer)) return failure;
        break;
      case ObjectKind::kNamespace:
        if (auto failure = getList("/api/namespaces", {}, kind, answer)) return failure;
        break;
      case ObjectKind::kPod:
      case ObjectKind::kDeployment: {
        if (!ns.empty()) params.emplace_back("namespace", ns);
        std::string path = "/api/" + collectionName(kind);
        if (kind == ObjectKind::kPod && !options_.node.empty()) path = "/api/nodes/" + urlEncode(options_.node) + "/pods";
        if (auto failure = getList(path, params, kind, answer, with_series)) return failure;
        break;
      }
      case ObjectKind::kContainer: return fetchContainers(items, raw);
    }
    raw = answer.body;
    takeItems(answer, items);
    return std::nullopt;
  }

  // Containers: of the named pod, or of every selected pod (one request per pod).
  // `raw`: the answer's body when one pod's containers were read.
  std::optional<Failure> fetchContainers(std::vector<JsonValue>& items, std::string& raw) {
    std::vector<std::pair<std::string, std::string>> pods;  // (namespace, name)
    if (!options_.name.empty()) {
      pods.emplace_back(options_.all_namespaces ? "" : options_.namespace_name, options_.name);
    } else {
      std::vector<JsonValue> pod_items;
      std::string unused;
      if (auto failure = fetchList(ObjectKind::kPod, pod_items, unused, false)) return failure;
      filter(pod_items, ObjectKind::kPod);
      sortItems(pod_items, SortKey::kName);
      for (const auto& pod : pod_items) pods.emplace_back(pod.text("namespace"), pod.text("name"));
    }
    merged_ = pods.size() != 1;
    for (const auto& [ns, pod] : pods) {
      std::vector<std::pair<std::string, std::string>> params;
      if (!ns.empty()) params.emplace_back("namespace", ns);
      Answer answer;
      if (auto failure = getList("/api/pods/" + urlEncode(pod) + "/containers", params, ObjectKind::kContainer, answer)) {
        if (answer.status == 404 && answer.json.text("message").rfind("no route", 0) == 0) {
          failure->message = answer.url + ": this server has no container routes; containers need a newer server";
        }
        return failure;
      }
      if (pods.size() == 1) raw = answer.body;
      takeItems(answer, items);
    }
    return std::nullopt;
  }

  // Client-side selection the routes do not make: --node for nodes, -n for namespaces,
  // --deployment for pods and deployments.
  void filter(std::vector<JsonValue>& items, std::optional<ObjectKind> as = std::nullopt) const {
    const ObjectKind kind = as.value_or(options_.kind);
    std::erase_if(items, [&](const JsonValue& item) {
      if (kind == ObjectKind::kNode && !options_.node.empty()) return item.text("name") != options_.node;
      if (kind == ObjectKind::kNamespace && !options_.namespace_name.empty()) {
        return item.text("name") != options_.namespace_name;
      }
      if (kind == ObjectKind::kPod && !options_.deployment.empty()) return item.text("deployment") != options_.deployment;
      if (kind == ObjectKind::kDeployment && !options_.deployment.empty()) {
        return item.text("name") != options_.deployment;
      }
      return false;
    });
  }

  // A server whose lists ignore `window` (before fleet windows) answers items without points:
  // each object's own series route then gives them, one request per object.
  std::optional<Failure> addMissingSeries(std::vector<JsonValue>& items) {
    for (auto& item : items) {
      if (item.find("points") != nullptr) continue;
      Answer series;
      if (auto failure = client_.getOk(objectPath(options_.kind, item) + "window=" + urlEncode(options_.window), series)) {
        return failure;
      }
      for (const char* key : {"window", "step", "points"}) {
        if (const JsonValue* value = series.json.find(key)) item.set(key, *value);
      }
      merged_ = true;
    }
    return std::nullopt;
  }

  std::optional<Failure> fetchObject(Fetched& fetched) {
    std::string path;
    const std::string name = urlEncode(options_.name);
    const std::string& ns = options_.namespace_name;
    std::vector<std::pair<std::string, std::string>> params;
    switch (options_.kind) {
      case ObjectKind::kNode: path = "/api/nodes/" + name; break;
      case ObjectKind::kNamespace: path = "/api/namespaces/" + name; break;
      case ObjectKind::kPod:
      case ObjectKind::kDeployment:
        // Without -n the server finds the one namespace the name is in (409 when it is in several).
        path = "/api/" + collectionName(options_.kind) + "/" + name;
        if (!ns.empty()) params.emplace_back("namespace", ns);
        break;
      case ObjectKind::kContainer: break;  // a list (fetchContainers)
    }
    params.emplace_back("window", options_.window.empty() ? kDefaultObjectWindow : options_.window);
    Answer answer;
    if (auto failure = client_.getOk(path + query(params), answer)) return failure;
    fetched.single = true;
    fetched.raw = answer.body;
    fetched.items.push_back(answer.json);
    fetched.document = std::move(answer.json);
    return std::nullopt;
  }

  ViewOptions viewOptions(const std::string& window_label) const {
    ViewOptions view;
    view.kind = options_.kind;
    view.wide = options_.output == OutputFormat::kWide;
    view.namespace_column = options_.all_namespaces;
    view.window_label = window_label;
    return view;
  }

  std::string windowLabel() const {
    return options_.window.empty() ? "" : formatDurationSeconds(options_.window_seconds);
  }

  // Sorted, totalled over every selected item, then limited.
  std::vector<JsonValue> arranged(std::vector<JsonValue> items, std::optional<JsonValue>& total) const {
    sortItems(items, options_.sort);
    if (options_.sum) total = totalItem(items, options_.kind);
    if (options_.limit > 0 && items.size() > options_.limit) items.resize(options_.limit);
    return items;
  }

  std::string listTable(const std::vector<JsonValue>& fetched) const {
    std::optional<JsonValue> total;
    const auto items = arranged(fetched, total);
    if (items.empty() && !options_.headers) return "";
    if (items.empty()) return "No " + collectionName(options_.kind) + " found" + whereText() + ".\n";
    const Table table = buildTable(items, total ? &*total : nullptr, viewOptions(windowLabel()));
    return renderTable(table, TableStyle{options_.headers, options_.colour});
  }

  std::string whereText() const {
    if (options_.kind == ObjectKind::kNode || options_.kind == ObjectKind::kNamespace) return "";
    const std::string ns = listNamespace(options_);
    return ns.empty() ? "" : " in namespace " + ns;
  }

  std::string listCsv(const std::vector<JsonValue>& fetched) const {
    std::optional<JsonValue> total;
    const auto items = arranged(fetched, total);
    return renderCsv(items, total ? &*total : nullptr, viewOptions(windowLabel()));
  }

  std::string objectView(const JsonValue& object) const {
    const double window = object.number("window").value_or(0);
    const std::string label = formatDurationSeconds(static_cast<int64_t>(std::llround(window)));
    ViewOptions view = viewOptions(label);
    view.namespace_column = true;
    const Table table = buildTable({object}, nullptr, view);
    std::string out = renderTable(table, TableStyle{options_.headers, options_.colour});
    // The y-axis labels and the frame take about 14 columns.
    const size_t width = options_.terminal_width > 30 ? options_.terminal_width - 14 : 16;
    return out + renderObjectCharts(object, options_.kind, width, kChartHeight, label);
  }

  // One row per point: timestamp and every field the points carry, in the first point's order.
  static std::string pointsCsv(const JsonValue& object) {
    const JsonValue* points = object.find("points");
    std::vector<std::string> header;
    if (points != nullptr) {
      for (const auto& point : points->array) {
        for (const auto& [key, value] : point.object) {
          if (std::find(header.begin(), header.end(), key) == header.end()) header.push_back(key);
        }
      }
    }
    std::string out = csvLine(header);
    if (points == nullptr) return out;
    for (const auto& point : points->array) {
      std::vector<std::string> row;
      for (const auto& key : header) {
        const JsonValue* value = point.find(key);
        if (value == nullptr) row.emplace_back();
        else row.push_back(value->type == JsonValue::Type::kString ? value->string : formatNumber(*value));
      }
      out += csvLine(row);
    }
    return out;
  }

  const TopOptions& options_;
  ApiClient& client_;
  bool merged_ = false;  // the document was put together from several answers
};

void write(std::FILE* out, const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

// On a terminal each frame overwrites the last: home, each line cleared to its end, the rest of
// the screen cleared (no flicker of a full clear).
std::string inPlace(const std::string& frame) {
  std::string out = kHome;
  size_t start = 0;
  while (start < frame.size()) {
    const size_t end = frame.find('\n', start);
    const size_t stop = end == std::string::npos ? frame.size() : end;
    out.append(frame, start, stop - start);
    out += kClearLine;
    out += "\n";
    start = stop + 1;
  }
  return out + kClearBelow;
}

std::string clockLine(const TopOptions& options, double refresh_seconds) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::string stamp = formatRfc3339(ms - ms % 1000);
  return options.title + "   every " + fmt::format("{:g}", refresh_seconds) + "s   " + stamp + "\n\n";
}

int watch(const TopOptions& options, Top& top, ApiClient& client, std::FILE* out, std::FILE* err) {
  // SIGINT, SIGTERM and SIGHUP are blocked in every thread and taken by one of our own with
  // sigwait: it cancels a request in flight (Ctrl-C never waits for a slow server's timeout) and
  // wakes the wait between frames. The loop then restores the terminal before returning.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
  int wake[2] = {-1, -1};
  if (::pipe2(wake, O_CLOEXEC) != 0) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    write(err, "kubemonitor: watch: pipe: " + std::string(std::strerror(errno)) + "\n");
    return kExitUnreachable;
  }
  std::atomic<bool> stopping{false};
  std::thread signal_thread([&] {
    int signo = 0;
    sigwait(&stop_signals, &signo);
    stopping = true;
    client.cancel();
    [[maybe_unused]] const ssize_t n = ::write(wake[1], "x", 1);
  });

  const double refresh = top.refreshSeconds();
  const bool own_screen = options.terminal && !stopping;
  if (own_screen) write(out, kEnterScreen);
  int status = kExitOk;
  while (!stopping) {
    Fetched fetched;
    std::string frame = clockLine(options, refresh);
    if (auto failure = top.fetch(fetched)) {
      if (stopping) break;  // the request was cancelled by Ctrl-C: nothing to show
      if (failure->exit_code == kExitUsage) {
        status = kExitUsage;
        if (own_screen) write(out, kLeaveScreen);
        write(err, "kubemonitor: " + failure->message + "\n");
        break;
      }
      frame += "kubemonitor: " + failure->message + " (retrying)\n";  // the server may come back
    } else {
      frame += top.render(fetched);
    }
    write(out, options.terminal ? inPlace(frame) : frame + "\n");
    pollfd woken{wake[0], POLLIN, 0};
    if (::poll(&woken, 1, static_cast<int>(std::lround(refresh * 1000))) > 0) break;
  }
  if (stopping && own_screen) write(out, kLeaveScreen);
  if (!stopping) pthread_kill(signal_thread.native_handle(), SIGTERM);  // ends its sigwait
  signal_thread.join();
  ::close(wake[0]);
  ::close(wake[1]);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return status;
}

}  // namespace

int runTop(const TopOptions& options, ApiClient& client, std::FILE* out, std::FILE* err) {
  Top top(options, client);
  if (options.watch) return watch(options, top, client, out, err);
  Fetched fetched;
  if (auto failure = top.fetch(fetched)) {
    write(err, "kubemonitor: " + failure->message + "\n");
    return failure->exit_code;
  }
  write(out, top.render(fetched));
  return kExitOk;
}

}  // namespace kubemonitor::cli
