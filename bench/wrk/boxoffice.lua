-- wrk script for boxoffice: one request shape per run, chosen by the first argument.
--   wrk ... -s bench/wrk/boxoffice.lua URL -- get  "/shows?limit=100"
--   wrk ... -s bench/wrk/boxoffice.lua URL -- get  "/bookings?after=800" TOKEN
--   wrk ... -s bench/wrk/boxoffice.lua URL -- get  "/shows/1/seats"
--   wrk ... -s bench/wrk/boxoffice.lua URL -- book TOKEN FIRST_SHOW SHOW_COUNT
--   wrk ... -s bench/wrk/boxoffice.lua URL -- login EMAIL PASSWORD
-- At the end it prints one line: "BOXOFFICE {json}" with statuses and latency percentiles.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function init(args)
  mode = args[1]
  statuses = {}
  sent = 0
  if mode == "get" then
    path = args[2]
    if args[3] then
      headers = {["Authorization"] = "Bearer " .. args[3]}
    end
  elseif mode == "login" then
    -- The email and password are the benchmark's own: plain ASCII, nothing to escape.
    headers = {["Content-Type"] = "application/json"}
    body = '{"email": "' .. args[2] .. '", "password": "' .. args[3] .. '"}'
  elseif mode == "book" then
    headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. args[2],
    }
    first_show = tonumber(args[3])
    show_count = tonumber(args[4])
  else
    error("unknown mode " .. tostring(mode))
  end
end

function request()
  sent = sent + 1
  if mode == "get" then
    return wrk.format("GET", path, headers)
  elseif mode == "login" then
    return wrk.format("POST", "/login", headers, body)
  end
  -- Each thread walks the shows from its own offset, so load spreads over all of them.
  local show = first_show + (sent + thread_number * 37) % show_count
  local body = '{"show_id": ' .. show .. ', "num_seats": 1}'
  return wrk.format("POST", "/bookings", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'BOXOFFICE {"requests": %d, "duration_us": %d, "statuses": {%s}, ' ..
    '"socket_errors": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, table.concat(parts, ", "),
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
