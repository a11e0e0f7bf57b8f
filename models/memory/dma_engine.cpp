#include "models/memory/dma_engine.h"

#include <algorithm>

#include "models/chip/work_scheduler.h"
#include "models/memory/global_sram.h"
#include "models/noc/noc.h"
#include "base/stats/stats_registry.h"

namespace tessera {

DmaEngine::DmaEngine(sc_core::sc_module_name name, const DmaParams& params)
    : sc_module(name),
      cfg_(params.config),
      clock_(params.clock),
      endpoints_(params.endpoints),
      noc_(params.noc),
      sram_(params.sram),
      scratchpad_(params.scratchpad),
      infinite_memory_(params.infinite_memory),
      group_(params.stats.add_group(this->name(), "dma", clock_.mhz())),
      bytes_read_(group_.add(stat_names::kBytesRead, "bytes", "bytes loaded into the scratchpad")),
      bytes_written_(group_.add(stat_names::kBytesWritten, "bytes", "bytes stored from the scratchpad")),
      packets_(group_.add("packets", "count", "packets issued")),
      busy_cycles_(group_.add(stat_names::kBusyCycles, "cycles", "cycles with packets in flight")) {
  SC_HAS_PROCESS(DmaEngine);
  SC_THREAD(process);
  SC_THREAD(retire_stores);
}

void DmaEngine::submit(DmaJob& job) {
  job.issued = false;
  queue_.push_back(&job);
  job_queued_.notify(sc_core::SC_ZERO_TIME);
}

void DmaEngine::wait_done(DmaJob& job) {
  while (!job.issued) sc_core::wait(job_issued_);
  const std::uint64_t now = sc_core::sc_time_stamp().value();
  if (job.done_fs > now) sc_core::wait(sc_core::sc_time::from_value(job.done_fs - now));
}

void DmaEngine::process() {
  for (;;) {
    while (queue_.empty()) sc_core::wait(job_queued_);
    DmaJob& job = *queue_.front();
    issue(job);
    queue_.pop_front();
    if (hbm_write_) {
      retiring_.push_back(PendingStore{&job, std::move(hbm_write_)});
      store_posted_.notify(sc_core::SC_ZERO_TIME);
    } else {
      mark_issued(job);
    }
  }
}

void DmaEngine::mark_issued(DmaJob& job) {
  job.issued = true;
  job_issued_.notify(sc_core::SC_ZERO_TIME);
  if (job.on_issued) job.on_issued(job.done_fs);
}

void DmaEngine::retire_stores() {
  for (;;) {
    while (retiring_.empty()) sc_core::wait(store_posted_);
    PendingStore& s = retiring_.front();
    s.hbm_write->wait_done();
    s.job->done_fs = std::max(s.job->done_fs, std::uint64_t(s.hbm_write->finish_time().value()));
    DmaJob& job = *s.job;
    retiring_.pop_front();
    mark_issued(job);
  }
}

std::uint64_t DmaEngine::issue_slot() {
  std::uint64_t now = sc_core::sc_time_stamp().value();
  if (in_flight_.size() >= cfg_.max_outstanding) {
    const std::uint64_t oldest = in_flight_.front();
    in_flight_.pop_front();
    if (oldest > now) {
      sc_core::wait(sc_core::sc_time::from_value(oldest - now));
      now = oldest;
    }
  }
  return clock_.next_edge(sc_core::sc_time::from_value(now)).value();
}

void DmaEngine::issue(DmaJob& job) {
  const Transfer& t = job.transfer;
  if (infinite_memory_ || t.bytes == 0) {
    job.done_fs = sc_core::sc_time_stamp().value();
    return;
  }
  if (!job.store) {
    const Bytes fetched = sram_->fetch(t.address, t.bytes);  // waits for HBM on a miss
    if (job.op) job.op->hbm_bytes += double(fetched);
  } else {
    hbm_write_ = std::make_unique<MemCompletion>();
    const Bytes written = sram_->write_through(t.address, t.bytes, *hbm_write_);
    if (job.op) job.op->hbm_bytes += double(written);
  }
  std::uint64_t done = sc_core::sc_time_stamp().value();
  const Bytes block = sram_->block_bytes();
  for (std::uint64_t addr = t.address, end = t.address + t.bytes; addr < end;) {
    const Bytes bytes = std::min<Bytes>({cfg_.packet_bytes, end - addr, block - addr % block});
    const std::uint64_t at = issue_slot();
    const std::uint32_t bank_ep = endpoints_.first_bank + sram_->bank_of(addr);
    std::uint64_t finish;
    if (!job.store) {
      const std::uint64_t out = sram_->access(addr, bytes, /*write=*/false, at);
      const std::uint64_t arrive = noc_->send(bank_ep, endpoints_.core, bytes, out);
      finish = scratchpad_.access(job.banks, bytes, /*write=*/true, arrive);
    } else {
      const std::uint64_t read = scratchpad_.access(job.banks, bytes, /*write=*/false, at);
      const std::uint64_t arrive = noc_->send(endpoints_.core, bank_ep, bytes, read);
      finish = sram_->access(addr, bytes, /*write=*/true, arrive);
    }
    in_flight_.push_back(finish);
    // Busy time: union of packet lifetimes (packets complete in issue order per resource).
    const std::uint64_t from = std::max(at, busy_until_fs_);
    if (finish > from) busy_cycles_.value += double(clock_.cycles_in(sc_core::sc_time::from_value(finish - from)));
    busy_until_fs_ = std::max(busy_until_fs_, finish);
    packets_.value += 1;
    done = std::max(done, finish);
    addr += bytes;
  }
  (job.store ? bytes_written_ : bytes_read_).value += double(t.bytes);
  if (job.op) job.op->sram_bytes += double(t.bytes);
  job.done_fs = done;
}

}  // namespace tessera
