#include "server/http_message.h"

#include "common/json_writer.h"

namespace kubemonitor::server {

HttpResponse errorResponse(int status, std::string_view code, std::string_view message) {
  HttpResponse response;
  response.status = status;
  JsonWriter writer(response.body);
  writer.beginObject().field("error", code).field("message", message).endObject();
  return response;
}

HttpResponse jsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace kubemonitor::server
