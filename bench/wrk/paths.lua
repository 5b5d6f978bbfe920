-- wrk script of the benchmark: each request asks for a path drawn at random from a list
-- written by bench/load.py (one path a line: query points, bboxes, tiles sampled like
-- the data), and the run's summary is written as JSON for the orchestrator.
--
-- Usage: BENCH_WRK_PATHS=paths.txt BENCH_WRK_RESULT=result.json BENCH_WRK_SEED=1 \
--        wrk -t2 -c4 -d10s --timeout 35s -s bench/wrk/paths.lua http://host:port
-- (the environment, not wrk's script arguments: those reach only the threads' init(),
-- never done(), which runs in the main script). Every request carries
-- Accept-Encoding: gzip, as a browser's does, on every server.

local paths = {}
local counter = 0

local function read_paths(file)
  local list = {}
  for line in io.lines(file) do
    if line ~= "" then list[#list + 1] = line end
  end
  return list
end

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

function init(args)
  paths = read_paths(assert(os.getenv("BENCH_WRK_PATHS"), "BENCH_WRK_PATHS"))
  local seed = tonumber(os.getenv("BENCH_WRK_SEED") or "1") or 1
  math.randomseed(seed * 7919 + (thread_id or 0) * 104729)
  wrk.headers["Accept-Encoding"] = "gzip"
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

local function json_number(value)
  if value ~= value or value == math.huge or value == -math.huge then return "null" end
  return string.format("%.3f", value)
end

function done(summary, latency, requests)
  local out = assert(io.open(assert(os.getenv("BENCH_WRK_RESULT"), "BENCH_WRK_RESULT"), "w"))
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  local fields = {
    string.format('"requests": %d', summary.requests),
    string.format('"duration_s": %s', json_number(seconds)),
    string.format('"rps": %s', json_number(summary.requests / seconds)),
    string.format('"bytes": %d', summary.bytes),
    string.format('"errors_status": %d', errors.status),
    string.format('"errors_connect": %d', errors.connect),
    string.format('"errors_read": %d', errors.read),
    string.format('"errors_write": %d', errors.write),
    string.format('"errors_timeout": %d', errors.timeout),
    -- wrk measures in microseconds; the report reads milliseconds.
    string.format('"latency_ms": {"min": %s, "mean": %s, "max": %s, "stdev": %s, '
      .. '"p50": %s, "p90": %s, "p95": %s, "p99": %s}',
      json_number(latency.min / 1000), json_number(latency.mean / 1000),
      json_number(latency.max / 1000), json_number(latency.stdev / 1000),
      json_number(latency:percentile(50) / 1000), json_number(latency:percentile(90) / 1000),
      json_number(latency:percentile(95) / 1000), json_number(latency:percentile(99) / 1000)),
  }
  out:write("{" .. table.concat(fields, ", ") .. "}\n")
  out:close()
end
