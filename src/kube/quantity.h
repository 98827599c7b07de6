#pragma once
// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource.Quantity) as they appear in
// pod specs: "100m", "2", "0.5", "128Mi", "1e9", "1500000n". Grammar, from quantity.go:
//   <quantity> ::= <signedNumber><suffix>
//   <number>   ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//   <suffix>   ::= Ki|Mi|Gi|Ti|Pi|Ei | n|u|m|""|k|M|G|T|P|E | (e|E)<signedNumber>
// Arithmetic is exact (128-bit integers), then rounded up like Quantity.MilliValue()/Value().

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace kubemonitor::kube {

// CPU quantity → millicores, rounded up ("1500000n" = 1.5m → 2). kParse for garbage,
// kInvalidArgument for negative values, kTooLarge past 2^64-1.
Result<uint64_t> parseCpuQuantityMillicores(std::string_view text);

// Memory quantity → bytes, rounded up ("1m" = 0.001 B → 1). Same errors as above.
Result<uint64_t> parseMemoryQuantityBytes(std::string_view text);

}  // namespace kubemonitor::kube
