-- wrk script for bench/intake.py: POSTs pre-signed WhatsApp webhooks from $INTAKE_BODIES
-- (one "signature<TAB>json" per line), each thread its own share, so every wamid is sent once.
-- The bodies are made and signed by intake.py's webhook(), which also picks each one's business number
-- (round-robin over the install's numbers with --numbers), so nothing here needs to know about routing.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs, n, i = {}, 0, 0
wrapped = 0

function init(args)
  local nthreads = tonumber(os.getenv("INTAKE_THREADS"))
  local k = 0
  for line in io.lines(os.getenv("INTAKE_BODIES")) do
    if k % nthreads == tid then
      local sig, body = line:match("^(%S+)\t(.*)$")
      n = n + 1
      reqs[n] = wrk.format("POST", nil, {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sig}, body)
    end
    k = k + 1
  end
end

function request()
  i = i + 1
  if i > n then
    i = 1
    wrapped = wrapped + 1
  end
  return reqs[i]
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("wrapped") end
  io.write(string.format("BODIES_WRAPPED %d\n", total))
end
