#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "actors/routes.hpp"

using parley::id64;

namespace {

// A model of the mailboxes around one conversation, with presence actors
// as ints (0: none). Frames are numbered in the order the conversation
// sends them; the directory's mailbox and the conversation's mailbox of
// the directory's answers are FIFO, as between two CAF actors.
struct world {
  parley::route_table<int> routes;
  std::map<id64, int> directory_knows;                  // user -> presence actor
  std::deque<std::pair<std::vector<id64>, int>> to_directory; // users, frame
  std::deque<std::pair<std::vector<id64>, std::vector<int>>> answers;
  std::map<int, std::vector<int>> received; // presence actor -> frames, in order
  int straight = 0;
  int through_directory = 0;

  void send(const std::vector<id64>& users, int frame) {
    auto rest = routes.split(users, [&](int presence) {
      received[presence].push_back(frame);
      ++straight;
    });
    if (!rest.empty())
      to_directory.emplace_back(rest, frame);
  }

  // The directory hands the frame on, then answers.
  void directory_step() {
    auto [users, frame] = to_directory.front();
    to_directory.pop_front();
    std::vector<int> found;
    for (auto user : users) {
      auto presence = directory_knows[user];
      if (presence)
        received[presence].push_back(frame);
      found.push_back(presence);
    }
    ++through_directory;
    answers.emplace_back(users, found);
  }

  void answer_step() {
    auto [users, found] = answers.front();
    answers.pop_front();
    routes.answered(users, found, [](int) {});
  }

  void drain() {
    while (!to_directory.empty() || !answers.empty()) {
      if (!to_directory.empty())
        directory_step();
      if (!answers.empty())
        answer_step();
    }
  }
};

std::vector<int> first_n(int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    out.push_back(i);
  return out;
}

} // namespace

TEST_CASE("frames reach each presence actor in the order sent, whatever the interleaving") {
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng{seed};
    world w;
    w.directory_knows = {{1, 10}, {2, 20}};
    const int frames = 200;
    int next = 0;
    while (next < frames) {
      switch (rng() % 3) {
        case 0:
          w.send({1, 2}, next++);
          break;
        case 1:
          if (!w.to_directory.empty())
            w.directory_step();
          break;
        default:
          if (!w.answers.empty())
            w.answer_step();
      }
    }
    w.drain();
    INFO("seed " << seed);
    REQUIRE(w.received[10] == first_n(frames));
    REQUIRE(w.received[20] == first_n(frames));
  }
}

TEST_CASE("once the directory has answered, frames skip it") {
  world w;
  w.directory_knows = {{1, 10}};
  w.send({1}, 0);
  w.send({1}, 1); // sent before the first answer: through the directory too
  w.drain();
  CHECK(w.through_directory == 2);
  for (int i = 2; i < 10; ++i)
    w.send({1}, i);
  CHECK(w.to_directory.empty());
  CHECK(w.straight == 8);
  CHECK(w.received[10] == first_n(10));
}

TEST_CASE("a frame in flight through the directory holds later frames for that user only") {
  world w;
  w.directory_knows = {{1, 10}, {2, 20}};
  w.send({1, 2}, 0);
  w.drain(); // both known now
  w.directory_knows[3] = 30;
  w.send({2, 3}, 1); // 3 is new: through the directory; 2 straight
  CHECK(w.straight == 1);
  w.send({1, 3}, 2); // 1 straight, 3 still waits behind frame 1
  CHECK(w.straight == 2);
  REQUIRE(w.to_directory.size() == 2);
  w.drain();
  CHECK(w.received[30] == std::vector<int>{1, 2});
  CHECK(w.received[10] == std::vector<int>{0, 2});
}

TEST_CASE("users with no presence actor here always go through the directory, unremembered") {
  world w; // the directory knows nobody: offline users, or homed on another node
  for (int i = 0; i < 50; ++i) {
    w.send({1, 2, 3}, i);
    w.drain();
  }
  CHECK(w.through_directory == 50);
  CHECK(w.straight == 0);
  CHECK(w.routes.size() == 0);
}

TEST_CASE("a dead presence actor sends its user through the directory to its successor") {
  world w;
  w.directory_knows = {{1, 10}};
  w.send({1}, 0);
  w.drain();
  w.send({1}, 1);
  CHECK(w.straight == 1);
  w.routes.forget_if([](int presence) { return presence == 10; });
  w.directory_knows[1] = 11; // respawned
  w.send({1}, 2);
  CHECK(w.straight == 1);
  w.drain();
  w.send({1}, 3);
  CHECK(w.straight == 2);
  CHECK(w.received[10] == std::vector<int>{0, 1});
  CHECK(w.received[11] == std::vector<int>{2, 3});
}
