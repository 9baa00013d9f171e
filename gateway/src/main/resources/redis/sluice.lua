#!lua name=sluice
--[[
Sluice's Redis function library: loaded with FUNCTION LOAD REPLACE at every gateway start and
called with FCALL. Every function touches only keys passed in KEYS, all sharing one hash tag
({t:<tenant>:<partition>}), so each call lands in one cluster slot.
]]

-- sluice_version: returns the library version, so a gateway can see what is loaded.
-- KEYS: none. ARGV: none. Returns: integer.
redis.register_function{
  function_name = 'sluice_version',
  callback = function(keys, args) return 1 end,
  flags = { 'no-writes' }
}
