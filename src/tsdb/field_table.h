#pragma once
// Internal to tsdb: the table-driven field access that bucket_aggregator.cpp and object_values.cpp
// share. A rule names a struct member (double or integer) by pointer, so one loop over a constexpr
// table folds, sums or writes every field, and a field added without a rule is caught at compile time.

#include <cmath>
#include <type_traits>
#include <variant>

namespace kubemonitor::tsdb::internal {

// Reads any arithmetic member as a double.
template <typename Struct, typename Member>
double readAsDouble(const Struct& object, const Member& member) {
  return std::visit([&](auto m) { return static_cast<double>(object.*m); }, member);
}

// Writes a double into a double or integer member; integers (bytes, counts) are rounded to whole units.
template <typename Struct, typename Member>
void writeFromDouble(Struct& object, const Member& member, double value) {
  std::visit(
      [&](auto m) {
        using T = std::remove_reference_t<decltype(object.*m)>;
        if constexpr (std::is_floating_point_v<T>) {
          object.*m = value;
        } else {
          object.*m = value <= 0 ? T{0} : static_cast<T>(std::llround(value));
        }
      },
      member);
}

}  // namespace kubemonitor::tsdb::internal
