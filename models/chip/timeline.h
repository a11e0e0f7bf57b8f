// Optional recorder of busy intervals for the Perfetto trace. Units call record() when a
// piece of work ends; back-to-back intervals of the same name on one track are merged so a
// long GEMM does not produce one slice per tile.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>

namespace tessera {

/// One slice of the timeline: a unit (track) busy with something from start to end.
struct TimelineEvent {
  std::string track;  // e.g. "core3.matrix"
  std::string name;   // e.g. the operator id
  double start_s = 0;
  double dur_s = 0;
};

class Timeline {
 public:
  explicit Timeline(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }

  /// `track` and `name` must outlive the Timeline (units pass their own names).
  void record(const std::string& track, const std::string& name, const sc_core::sc_time& start,
              const sc_core::sc_time& end) {
    if (!enabled_ || end <= start) return;
    auto it = open_.find(&track);
    if (it != open_.end()) {
      TimelineEvent& last = events_[it->second];
      const double last_end = last.start_s + last.dur_s;
      if (last.name == name && start.to_seconds() - last_end <= 1e-15) {
        last.dur_s = end.to_seconds() - last.start_s;
        return;
      }
    }
    open_[&track] = events_.size();
    events_.push_back({track, name, start.to_seconds(), (end - start).to_seconds()});
  }

  std::vector<TimelineEvent> take() { return std::move(events_); }

 private:
  bool enabled_;
  std::vector<TimelineEvent> events_;
  std::unordered_map<const std::string*, std::size_t> open_;  // track -> its latest event
};

}  // namespace tessera
