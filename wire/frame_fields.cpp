#include "wire/frame_fields.hpp"

#include <nlohmann/json.hpp>

#include "wire/frame.hpp"

namespace parley::wire::detail {

using json = nlohmann::json;

void reject(std::string code, std::string message) {
  throw field_rejection{std::move(code), std::move(message)};
}

const json& require(const json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end())
    reject("missing_field", std::string{"field '"} + field + "' is required");
  return *it;
}

id64 id_field(const json& value, const char* field) {
  if (!value.is_string())
    reject("invalid_field",
           std::string{"field '"} + field + "' must be an id as a decimal string");
  auto id = parse_id(value.get_ref<const std::string&>());
  if (!id)
    reject("invalid_field",
           std::string{"field '"} + field + "' is not a valid id");
  return *id;
}

std::string client_id_field(const json& value) {
  if (value.is_string()) {
    auto& s = value.get_ref<const std::string&>();
    if (s.empty() || s.size() > max_client_id_chars)
      reject("invalid_field", "field 'id' must have 1 to 128 characters");
    return value.dump();
  }
  if (value.is_number_integer())
    return value.dump();
  reject("invalid_field", "field 'id' must be a string or an integer");
}

std::string ref_text(const json& value, bool integers) {
  bool usable = (integers && value.is_number_integer())
                || (value.is_string()
                    && value.get_ref<const std::string&>().size() <= max_client_id_chars);
  return usable ? value.dump() : std::string{};
}

} // namespace parley::wire::detail
