local hs = {status = "Progressing", message = "Waiting for the first sync"}
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local cond = {}
for _, c in ipairs(obj.status.conditions) do
  cond[c.type] = c
end
if cond.Stalled ~= nil and cond.Stalled.status == "True"
    and cond.Stalled.observedGeneration == obj.metadata.generation then
  hs.status = "Degraded"
  hs.message = cond.Stalled.reason .. ": " .. (cond.Stalled.message or "")
elseif cond.Ready ~= nil and cond.Ready.status == "True"
    and cond.Ready.observedGeneration == obj.metadata.generation then
  hs.status = "Healthy"
  hs.message = cond.Ready.message
elseif cond.Reconciling ~= nil and cond.Reconciling.status == "True" then
  hs.message = cond.Reconciling.reason .. ": " .. (cond.Reconciling.message or "")
elseif cond.Ready ~= nil then
  hs.message = cond.Ready.reason .. ": " .. (cond.Ready.message or "")
end
return hs
