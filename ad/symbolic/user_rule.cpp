// The process-wide table of user rules (see user_rule.hpp).
#include "ad/symbolic/user_rule.hpp"

#include <deque>
#include <mutex>
#include <string>

namespace ad::sym {
namespace {

std::mutex table_mutex;
std::deque<UserRule>& table() {
    static std::deque<UserRule> rules;
    return rules;
}

}  // namespace

std::uint32_t register_user_rule(const UserRule& rule) {
    const std::lock_guard<std::mutex> lock(table_mutex);
    if (table().size() >= max_user_rules) throw size_error("sym: user rule types per process", max_user_rules, table().size() + 1);
    table().push_back(rule);
    return static_cast<std::uint32_t>(table().size() - 1);
}

UserRule user_rule(std::uint32_t id) {
    const std::lock_guard<std::mutex> lock(table_mutex);
    if (id >= table().size()) throw error("sym: no user rule number " + std::to_string(id));
    return table()[id];
}

}  // namespace ad::sym
