#pragma once
// Which fields a series point carries (the API's `fields=a,b`): all of them by default, or the
// named ones. Writers ask for each field by its wire name, so one selection serves every kind.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace kubemonitor {

class FieldSelection {
 public:
  FieldSelection() = default;  // every field
  explicit FieldSelection(std::vector<std::string> names) : names_(std::move(names)), all_(false) {
    std::sort(names_.begin(), names_.end());
  }
  bool operator()(std::string_view name) const {
    return all_ || std::binary_search(names_.begin(), names_.end(), name, std::less<>{});
  }
  bool all() const { return all_; }
  const std::vector<std::string>& names() const { return names_; }  // sorted; empty when all()

 private:
  std::vector<std::string> names_;  // sorted
  bool all_ = true;
};

}  // namespace kubemonitor
