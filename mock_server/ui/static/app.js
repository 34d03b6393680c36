// The inspector: every value is put on the page with textContent, never parsed as HTML.
"use strict";

const FIELDS = ["created_at", "updated_at", "user_number", "agent_number", "is_active", "message_count",
  "variables", "current_node_id", "curr_pathway_id", "curr_pathway_version", "timed_out_at"];
const OPERATORS = ["eq", "contains", "startsWith", "endsWith", "gt", "gte", "lt", "lte"];

const state = { accounts: [], key: null, page: 1, totalPages: 0, selected: null, version: null,
  traffic: null, webhooks: null, capabilities: [], clock: { now: 0, frozen: false, readAt: 0 }, timer: null,
  thread: null, deleted: [], openPayloads: new Set(), loads: {} };
const NO_SELECTION = "Select a conversation to see its messages.";

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

// A server started with a control token answers 401 on /_mock/*: ask once, keep it for this tab.
function controlToken() { return sessionStorage.getItem("bland-sms-mock-token"); }

// Every call is the page refreshing itself, except what the user asks for (`client: true`: the form's create
// or send, ending or deleting a conversation): `x-mock-inspector` keeps the refreshes out of the request
// journal and the fault rules, so they hold only what clients (and the user's own actions here) sent.
// `asAccount` is for control calls that answer per account (`/_mock/deleted`): the key goes in
// `authorization` and a control token, if any, in `x-mock-token`.
async function api(method, path, options = {}, retried = false) {
  const { body, key, client = false, asAccount = false, headers: extra = {} } = options;
  const headers = client ? { ...extra } : { ...extra, "x-mock-inspector": "refresh" };
  const control = path.startsWith("/_mock/");
  if (control && controlToken() && asAccount) {
    headers["x-mock-token"] = controlToken();
    if (key) headers.authorization = key;
  } else if (control && controlToken()) {
    // With a control token the control API finds a conversation by its id alone, so the token takes the header.
    headers.authorization = `Bearer ${controlToken()}`;
  } else if (key) headers.authorization = key;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try { json = await response.json(); } catch (_) { json = null; }
  const needsToken = json?.errors?.[0]?.error === "CONTROL_TOKEN_REQUIRED";
  if (response.status === 401 && control && needsToken) {
    // Ask again as long as the token is refused; Cancel gives up on this call (the next one asks again).
    const token = window.prompt(retried || controlToken()
      ? "The mock refused that control token; type it again (sent as authorization: Bearer …):"
      : "This mock needs its control token (sent as authorization: Bearer …):");
    if (token) {
      sessionStorage.setItem("bland-sms-mock-token", token.trim());
      return api(method, path, options, true);
    }
    sessionStorage.removeItem("bland-sms-mock-token");
  }
  return { status: response.status, json };
}

function iso(ms) { return new Date(ms).toISOString(); }

function shortTime(text) { return text ? text.replace("T", " ").replace(/\.\d{3}Z$/, "Z") : "—"; }

function humanSeconds(total) {
  const seconds = Math.max(0, Math.round(total));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return (h ? `${h}h ` : "") + (h || m ? `${m}m ` : "") + `${s}s`;
}

// Durations the mock gives in seconds, as the page writes them elsewhere ("1m 30s"); fractions as given.
function seconds(value) { return Number.isInteger(value) ? humanSeconds(value) : `${value}s`; }

function problems(json, status) {
  return (json?.errors || []).map((e) => `${e.error}: ${e.message}`).join("; ") || `HTTP ${status}`;
}

// Several refreshes of one part can be in flight (a poll and a click): only the latest one asked may draw it.
function latest(part) {
  const ticket = (state.loads[part] || 0) + 1;
  state.loads[part] = ticket;
  return () => state.loads[part] === ticket;
}

function mockNow() {
  const { now, frozen, readAt } = state.clock;
  return frozen ? now : now + (Date.now() - readAt);
}

// ------------------------------------------------------------------------------------------- accounts

// The picker is drawn again only when the accounts themselves changed, so an open picker is left alone.
async function loadAccounts() {
  const current = latest("accounts");
  const { status, json } = await api("GET", "/_mock/accounts");
  if (status !== 200 || !current()) return;
  const names = (accounts) => accounts.map((a) => `${a.name} ${a.api_key}`).join("\n");
  const changed = names(json.accounts) !== names(state.accounts);
  state.accounts = json.accounts;
  renderAccountsPanel();
  if (!changed) return;
  const select = $("account");
  select.replaceChildren(...state.accounts.map((account) => {
    const option = el("option", `${account.name} (${account.api_key})`);
    option.value = account.api_key;
    return option;
  }));
  if (!state.accounts.some((a) => a.api_key === state.key)) state.key = state.accounts[0]?.api_key || null;
  select.value = state.key;
  renderAgentNumbers();
  const account = $("wfault-account");
  const chosen = account.value;
  account.replaceChildren(el("option", "any"), ...state.accounts.map((a) => el("option", a.name)));
  account.options[0].value = "";
  account.value = state.accounts.some((a) => a.name === chosen) ? chosen : "";
}

// Every account with its keys, numbers (and where their webhooks go) and its webhook signing secret.
function renderAccountsPanel() {
  $("accounts-body").replaceChildren(...state.accounts.map((account) => {
    const row = el("tr");
    row.dataset.account = account.name;
    const keys = el("td");
    [account.api_key, ...(account.api_keys || [])].forEach((key) => keys.append(el("code", key, "key")));
    const numbers = el("td");
    account.agent_numbers.forEach((n) => {
      const line = el("div", n.number);
      if (n.sms_config?.webhook) line.append(" → ", el("span", n.sms_config.webhook, "url"));
      numbers.append(line);
    });
    const secret = el("td", null, "secret");
    const code = el("code", account.webhook_secret);
    const copy = el("button", "Copy");
    copy.type = "button";
    copy.setAttribute("aria-label", `Copy the webhook secret of ${account.name}`);
    copy.addEventListener("click", () => copyText(copy, code));
    secret.append(code, " ", copy);
    row.append(el("td", account.name), keys, numbers, secret);
    return row;
  }));
}

// The clipboard needs a secure context (127.0.0.1 and localhost are); elsewhere the text is selected instead.
async function copyText(button, node) {
  try {
    await navigator.clipboard.writeText(node.textContent);
    button.textContent = "Copied";
  } catch (_) {
    window.getSelection().selectAllChildren(node);
    button.textContent = "Selected: press Ctrl+C";
  }
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
}

function renderAgentNumbers() {
  const account = state.accounts.find((a) => a.api_key === state.key);
  const numbers = account ? account.agent_numbers : [];
  $("agent-number").replaceChildren(...numbers.map((n) => {
    const option = el("option", n.number);
    option.value = n.number;
    return option;
  }));
}

// -------------------------------------------------------------------------------------------- filters

function addFilterRow(field = "user_number", operator = "contains", value = "") {
  const row = el("div", null, "filter-row");
  const index = $("filter-rows").children.length + 1;
  const fieldSelect = el("select");
  fieldSelect.setAttribute("aria-label", `Filter ${index} field`);
  FIELDS.forEach((f) => fieldSelect.append(el("option", f)));
  fieldSelect.value = field;
  const operatorSelect = el("select");
  operatorSelect.setAttribute("aria-label", `Filter ${index} operator`);
  OPERATORS.forEach((o) => operatorSelect.append(el("option", o)));
  operatorSelect.value = operator;
  const input = el("input");
  input.setAttribute("aria-label", `Filter ${index} value`);
  input.placeholder = "value (null, true, 3, {\"k\": 1}…)";
  input.value = value;
  const remove = el("button", "Remove");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove filter ${index}`);
  remove.addEventListener("click", () => { row.remove(); reloadFromFirstPage(); });
  row.append(fieldSelect, operatorSelect, input, remove);
  $("filter-rows").append(row);
}

function typedValue(field, text) {
  const value = text.trim();
  if (value === "null") return null;
  if (field === "is_active") return value === "true";
  if (field === "message_count" && /^-?\d+$/.test(value)) return Number(value);
  if (field === "variables") { try { return JSON.parse(value || "{}"); } catch (_) { return value; } }
  return value;
}

function currentFilters() {
  const filters = [...$("filter-rows").children].map((row) => {
    const [field, operator, input] = row.querySelectorAll("select, input");
    return { field: field.value, operator: operator.value, value: typedValue(field.value, input.value) };
  });
  const search = $("search").value.trim();
  if (search) filters.push({ field: "user_number", operator: "contains", value: search });
  return filters;
}

// ------------------------------------------------------------------------------------ conversation list

function reloadFromFirstPage() { state.page = 1; loadList(); }

async function loadList() {
  if (!state.key) return;
  const params = new URLSearchParams({ page: state.page, pageSize: $("page-size").value,
    sortBy: $("sort-by").value, sortDir: $("sort-dir").value });
  const filters = currentFilters();
  if (filters.length) params.set("filters", JSON.stringify(filters));
  const { status, json } = await api("GET", `/v1/sms/conversations?${params}`, { key: state.key });
  const error = $("list-error");
  if (status !== 200) {
    error.textContent = (json?.errors || []).map((e) => `${e.error}: ${e.message}`).join("; ") || `HTTP ${status}`;
    return;
  }
  error.textContent = "";
  const { totalItems, totalPages, currentPage } = json.extra.pagination;
  state.totalPages = totalPages;
  $("list-summary").textContent = `${totalItems} conversation${totalItems === 1 ? " matches" : "s match"}`;
  $("page-info").textContent = totalPages ? `Page ${currentPage} of ${totalPages}` : "No pages";
  $("prev-page").disabled = currentPage <= 1;
  $("next-page").disabled = currentPage >= totalPages;
  // The list answer does not say why a conversation ended; ask which of the ended ones timed out.
  const ended = json.data.filter((item) => !item.is_active).map((item) => item.id);
  const timedOut = ended.length
    ? (await api("GET", `/_mock/ui/timed-out?ids=${ended.map(encodeURIComponent).join(",")}`)).json?.timed_out || {}
    : {};
  const rows = json.data.map((item) => renderRow(item, endedByTimeout(timedOut[item.id], item.updated_at)));
  $("list-body").replaceChildren(...rows);
}

// The API says whether a conversation is active and, in `timed_out_at`, whether it timed out; it does not say
// whether an ended one was archived by `new_conversation` or ended by a PATCH, so those are both "ended".
// `timed_out_at` stays set when a timed-out conversation is made active again, so it counts only while the
// conversation has not changed since (`updated_at` is stamped with the timeout's instant when it fires).
function endedByTimeout(timedOutAt, updatedAt) {
  return Boolean(timedOutAt) && !(Date.parse(updatedAt) > Date.parse(timedOutAt));
}

function stateOf(isActive, timedOut) {
  if (isActive) return { label: "● active", className: "active" };
  return timedOut ? { label: "◌ timed out", className: "ended timed-out" } : { label: "○ ended", className: "ended" };
}

function renderRow(item, timedOut = false) {
  const { label, className } = stateOf(item.is_active, timedOut);
  const row = el("tr", null, className);
  row.tabIndex = 0;
  row.dataset.id = item.id;
  if (item.id === state.selected) row.setAttribute("aria-selected", "true");
  row.append(
    el("td", label, "state"),
    el("td", item.user_number), el("td", item.agent_number, "wide-only"), el("td", item.message_count),
    el("td", item.last_message, "last"), el("td", shortTime(item.updated_at), "when wide-only"),
  );
  const open = () => { state.selected = item.id; $("thread-action").textContent = ""; loadThread(); loadList(); };
  row.addEventListener("click", open);
  row.addEventListener("keydown", (event) => { if (event.key === "Enter") open(); });
  return row;
}

// ------------------------------------------------------------------------------------------- deleted

async function loadDeleted() {
  const section = $("deleted-section");
  if (!state.capabilities.includes("deleted") || !state.key) { section.hidden = true; return; }
  const { status, json } = await api("GET", "/_mock/deleted", { key: state.key, asAccount: true });
  if (status !== 200) return;
  state.deleted = json.data || [];
  section.hidden = false;
  $("deleted-count").textContent = `(${state.deleted.length})`;
  $("deleted-empty").hidden = state.deleted.length > 0;
  $("deleted-wrap").hidden = state.deleted.length === 0;
  $("deleted-body").replaceChildren(...state.deleted.slice(0, 100).map((item) => {
    const row = el("tr", null, "gone");
    row.dataset.id = item.id;
    row.title = `${item.id}, deleted at ${item.deleted_at}`;
    row.append(
      el("td", "✕ deleted", "state"), el("td", item.user_number), el("td", item.agent_number, "wide-only"),
      el("td", item.message_count), el("td", item.last_message, "last"), el("td", shortTime(item.deleted_at), "when"),
    );
    return row;
  }));
}

// ---------------------------------------------------------------------------------------------- thread

async function loadThread() {
  if (!state.selected) return;
  const [detail, history] = await Promise.all([
    api("GET", `/_mock/conversations/${encodeURIComponent(state.selected)}`, { key: state.key }),
    api("GET", `/_mock/conversations/${encodeURIComponent(state.selected)}/messages`, { key: state.key }),
  ]);
  if (detail.status !== 200 || history.status !== 200) {
    const gone = state.deleted.find((item) => item.id === state.selected);
    showNoThread(gone ? `Conversation ${gone.id} was deleted at ${shortTime(gone.deleted_at)}.` : NO_SELECTION);
    return;
  }
  const c = detail.json.data;
  state.thread = c;
  $("thread-empty").hidden = true;
  $("thread").hidden = false;
  const timedOut = endedByTimeout(c.timed_out_at, c.updated_at);
  const shown = stateOf(c.is_active, timedOut);
  $("thread-state").textContent = shown.label;
  $("thread-state").className = `state-badge ${shown.className}`;
  $("end-conversation").textContent = c.is_active ? "End conversation" : "Make active again";
  const meta = [
    ["Conversation", c.id], ["State", c.is_active ? "active" : (timedOut ? "timed out" : "ended")],
    ["User", c.user_number], ["Agent", c.agent_number], ["Created", shortTime(c.created_at)],
    ["Timed out at", shortTime(c.timed_out_at)], ["Pathway", c.curr_pathway_id ?? "—"],
    ["Version", c.curr_pathway_version ?? "—"], ["Node", c.current_node_id ?? "—"],
    ["Variables", JSON.stringify(c.variables)],
    ["Timeout", c.time_out ? `${c.time_out}s` : "none"], ["Warning", c.warning_time ? `${c.warning_time}s` : "none"],
  ];
  $("thread-meta").replaceChildren(...meta.flatMap(([k, v]) => [el("dt", k), el("dd", v)]));
  state.timer = c.next_timer;
  renderTimer();
  $("thread-messages").replaceChildren(...history.json.data.map((m) => {
    const bubble = el("li", null, `bubble ${m.sender.toLowerCase()} ${m.kind}`);
    const label = m.kind === "message" ? m.sender : `${m.sender} · ${m.kind} message`;
    bubble.append(el("span", label, "who"), el("p", m.message, "text"), el("time", shortTime(m.created_at)));
    return bubble;
  }));
  await loadWebhooks();
}

function showNoThread(text) {
  state.selected = null;
  state.thread = null;
  state.timer = null;
  $("thread").hidden = true;
  $("thread-empty").textContent = text;
  $("thread-empty").hidden = false;
}

// Ending and deleting are the user's own requests: sent as a client would, so the journal records them.
async function setActive() {
  if (!state.thread) return;
  const path = `/v1/sms/conversations/${encodeURIComponent(state.thread.id)}`;
  const body = { is_active: !state.thread.is_active };
  const { status, json } = await api("PATCH", path, { body, key: state.key, client: true });
  reportAction(`PATCH ${path} ${JSON.stringify(body)}`, status, json?.message, json);
  await poll(true);
}

async function deleteConversation() {
  if (!state.thread) return;
  const id = state.thread.id;
  const question = `Delete conversation ${id} (${state.thread.user_number}) and all its messages? This cannot be undone.`;
  if (!window.confirm(question)) return;
  const path = `/v1/sms/conversations/${encodeURIComponent(id)}`;
  const { status, json } = await api("DELETE", path, { key: state.key, client: true });
  reportAction(`DELETE ${path}`, status, json?.data?.message, json);
  await poll(true);
}

function reportAction(request, status, message, json) {
  const errors = (json?.errors || []).map((e) => `${e.error}: ${e.message}`).join("; ");
  const outcome = [message, errors].filter(Boolean).map((text) => `: ${text}`).join("");
  $("thread-action").textContent = `${request} → HTTP ${status}${outcome}`;
  $("thread-action").classList.toggle("error", status !== 200);
}

function renderTimer() {
  const timer = state.timer;
  if (!timer) { $("thread-timer").textContent = "No timer pending."; return; }
  const due = Date.parse(timer.due_at);
  const left = (due - mockNow()) / 1000;
  $("thread-timer").textContent = `${timer.kind} in ${humanSeconds(left)} (due at ${shortTime(timer.due_at)})`;
}

// --------------------------------------------------------------------------------------------- webhooks

// The open conversation's deliveries in event order (as its messages), each with every attempt and the payload.
async function loadWebhooks() {
  const section = $("webhooks-section");
  const id = state.selected;
  if (!state.capabilities.includes("webhooks") || !id) { section.hidden = true; return; }
  const current = latest("webhooks");
  const { status, json } = await api("GET", `/_mock/webhooks?conversation_id=${encodeURIComponent(id)}`);
  if (status !== 200 || !current() || id !== state.selected) return;
  const deliveries = json.deliveries || [];
  const counts = {};
  deliveries.forEach((d) => { counts[d.status] = (counts[d.status] || 0) + 1; });
  section.hidden = false;
  $("webhooks-count").textContent = deliveries.length
    ? `(${deliveries.length}: ${Object.entries(counts).map(([name, n]) => `${n} ${name}`).join(", ")})` : "(0)";
  $("webhooks-empty").hidden = deliveries.length > 0;
  // A conversation's webhooks go out one at a time in event order (a duplicate's copy goes on its own):
  // a pending one behind an unfinished earlier one waits for it, whatever its own due instant says.
  let head = null;
  $("webhook-list").replaceChildren(...deliveries.map((d) => {
    const blocker = d.duplicate_of ? null : head;
    if (!d.duplicate_of && d.status === "pending" && !head) head = d;
    return renderDelivery(d, blocker);
  }));
}

function renderDelivery(d, blocker = null) {
  const item = el("li", null, `delivery ${d.status}`);
  item.dataset.id = d.id;
  item.dataset.event = d.event;
  const p = d.payload;
  const what = d.event === "status"
    ? `status · ${p.status}`
    : `message · ${p.sender}${p.message_kind && p.message_kind !== "message" ? ` · ${p.message_kind}` : ""}`;
  const head = el("div", null, "delivery-head");
  head.append(el("span", d.status, `delivery-state ${d.status}`), el("strong", what, "what"),
    el("time", shortTime(d.created_at)), el("span", d.id, "muted"));
  item.append(head, el("div", `POST ${d.url}`, "url"));
  const notes = [d.note, d.duplicate_of && !d.note ? `a copy of ${d.duplicate_of}` : null].filter(Boolean);
  notes.forEach((note) => item.append(el("p", note, "note")));
  if (d.status === "pending" && blocker) {
    item.append(el("p", `waiting for ${blocker.id}: a conversation's webhooks go out in event order`, "due"));
  } else if (d.status === "pending" && d.next_attempt_at) {
    const due = el("p", null, "due");
    due.dataset.due = d.next_attempt_at;
    due.dataset.what = d.attempts.length ? `retry ${d.attempts.length}` : "first attempt";
    renderDue(due);
    item.append(due);
  }
  if (d.attempts.length) item.append(attemptsTable(d.attempts));
  else if (d.status !== "dropped") item.append(el("p", "No attempt yet.", "muted"));
  const payload = el("details", null, "payload");
  payload.open = state.openPayloads.has(d.id);
  payload.addEventListener("toggle", () => {
    if (payload.open) state.openPayloads.add(d.id); else state.openPayloads.delete(d.id);
  });
  payload.append(el("summary", "Payload"), el("pre", JSON.stringify(p, null, 2)),
    el("p", `X-Webhook-Signature: ${d.signature}`, "signature"));
  item.append(payload);
  return item;
}

function attemptsTable(attempts) {
  const table = el("table", null, "attempts");
  const head = el("tr");
  ["#", "Sent (mock clock)", "Kind", "Response", "Took", "Error"].forEach((name) => {
    const th = el("th", name);
    th.scope = "col";
    head.append(th);
  });
  const body = el("tbody");
  attempts.forEach((a, index) => {
    const row = el("tr", null, a.error_message ? "failed" : "ok");
    row.append(el("td", index + 1), el("td", shortTime(a.sent_at), "when"), el("td", a.send_type),
      el("td", a.response_code ?? "no answer"), el("td", a.response_time), el("td", a.error_message ?? "", "error-text"));
    body.append(row);
  });
  table.append(el("thead"), body);
  table.tHead.append(head);
  return table;
}

// "retry 2 due at 09:00:10Z (in 8s)", counted down on the mock's clock like the conversation's timer.
function renderDue(node) {
  const left = (Date.parse(node.dataset.due) - mockNow()) / 1000;
  const when = left > 0 ? `in ${humanSeconds(left)}` : "due now";
  node.textContent = `${node.dataset.what} due at ${shortTime(node.dataset.due)} (${when})`;
}

// ------------------------------------------------------------------------------------- webhook faults

async function loadWebhookFaults() {
  if (!state.capabilities.includes("webhooks")) return;
  const current = latest("webhook-faults");
  const { status, json } = await api("GET", "/_mock/webhooks/faults");
  if (status !== 200 || !current()) return;
  $("wfaults-list").replaceChildren(...json.faults.map((fault) => {
    const item = el("li", describeWebhookFault(fault));
    item.dataset.id = fault.id;
    const remove = el("button", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", `Remove webhook fault ${fault.id}`);
    remove.addEventListener("click", async () => {
      const answer = await api("DELETE", `/_mock/webhooks/faults/${encodeURIComponent(fault.id)}`);
      $("wfault-error").textContent = answer.status === 200 ? "" : problems(answer.json, answer.status);
      await loadWebhookFaults();
    });
    item.append(" ", remove);
    return item;
  }));
}

// "wf-1: drop · status webhooks · account demo — matched 2, applied 1, 0 left" (the rule as listed, in words).
function describeWebhookFault(f) {
  const effect = f.drop ? "drop" : f.delay ? `delay ${seconds(f.delay)}`
    : `duplicate${f.duplicate_after ? `, second copy ${seconds(f.duplicate_after)} later` : ""}`;
  const scope = [f.event ? `${f.event} webhooks` : "every webhook", f.account && `account ${f.account}`,
    f.conversation_id && `conversation ${f.conversation_id}`,
    f.probability !== undefined && `probability ${f.probability}${f.seed !== undefined ? ` (seed ${f.seed})` : ""}`];
  const counts = `matched ${f.matched}, applied ${f.applied}${f.remaining === null ? "" : `, ${f.remaining} left`}`;
  return `${f.id}: ${effect} · ${scope.filter(Boolean).join(" · ")} — ${counts}`;
}

// The effect's own field shows (and is sent) only for that effect, as the create form does with its modes.
function switchEffect() {
  const effect = $("wfault-effect").value;
  document.querySelectorAll("#webhook-fault-form [data-effect]").forEach((label) => {
    label.hidden = label.dataset.effect !== effect;
    label.querySelectorAll("input").forEach((input) => { input.disabled = label.hidden; });
  });
}

async function addWebhookFault(event) {
  event.preventDefault();
  const effect = $("wfault-effect").value;
  const rule = {};
  if (effect === "drop") rule.drop = true;
  if (effect === "delay") rule.delay = $("wfault-delay").value.trim();  // the mock reads 30, 30s, 1m30s
  if (effect === "duplicate") {
    rule.duplicate = true;
    if ($("wfault-after").value.trim()) rule.duplicate_after = $("wfault-after").value.trim();
  }
  for (const [id, name] of [["wfault-event", "event"], ["wfault-account", "account"], ["wfault-conversation", "conversation_id"]]) {
    if ($(id).value.trim()) rule[name] = $(id).value.trim();
  }
  for (const [id, name] of [["wfault-times", "times"], ["wfault-probability", "probability"], ["wfault-seed", "seed"]]) {
    if ($(id).value !== "") rule[name] = Number($(id).value);
  }
  const { status, json } = await api("POST", "/_mock/webhooks/faults", { body: rule });
  $("wfault-error").textContent = status === 201 ? "" : problems(json, status);
  await loadWebhookFaults();
}

// ----------------------------------------------------------------------------------------------- clock

function renderClock() {
  $("clock-now").textContent = shortTime(iso(mockNow()));
  $("clock-state").textContent = state.clock.frozen ? "frozen" : "running";
  $("clock-freeze").textContent = state.clock.frozen ? "Resume" : "Freeze";
  renderTimer();
  document.querySelectorAll("#webhook-list [data-due]").forEach(renderDue);
}

async function moveClock(command) {
  const { status, json } = await api("POST", "/_mock/clock", { body: command });
  if (status !== 200) {
    $("fired").textContent = (json?.errors || []).map((e) => e.message).join("; ");
    return;
  }
  const fired = json.fired || [];
  $("fired").textContent = fired.length
    ? `Fired: ${fired.map((f) => `${f.kind} of ${f.conversation_id} at ${shortTime(f.due_at)}`).join(", ")}`
    : "Nothing fired.";
  await poll(true);
}

// ------------------------------------------------------------------------------------------ create form

function formMode(form) { return form.elements.mode.value; }

// Create and send share the form; the fields only one of them has are hidden and disabled (left out) in the other.
function switchMode(form) {
  const send = formMode(form) === "send";
  form.querySelectorAll("[data-mode]").forEach((label) => {
    const on = label.dataset.mode === (send ? "send" : "create");
    label.hidden = !on;
    label.querySelectorAll("input, select").forEach((input) => { input.disabled = !on; });
  });
  $("message-label").textContent = send ? "agent_message (left empty: the mock's stand-in AI text)" : "Message";
  form.elements.message.required = !send;
  $("create-submit").textContent = send ? "Send as agent" : "Send create";
}

function createBody(form) {
  const data = new FormData(form);
  const body = {};
  const send = formMode(form) === "send";
  for (const [name, raw] of data.entries()) {
    const value = String(raw).trim();
    if (name === "mode" || name === "idempotency_key") continue;
    if (name === "new_conversation") body.new_conversation = true;
    else if (value === "") continue;
    else if (name === "time_out" || name === "warning_time") body[name] = /^\d+$/.test(value) ? Number(value) : value;
    else if (name === "request_data") { try { body[name] = JSON.parse(value); } catch (_) { body[name] = value; } }
    else if (name === "message") body[send ? "agent_message" : "message"] = String(raw);
    else body[name] = value;
  }
  return body;
}

async function sendCreate(event) {
  event.preventDefault();
  const form = event.target;
  const body = createBody(form);
  const path = formMode(form) === "send" ? "/v1/sms/send" : "/v1/sms/create";
  const headers = {};
  const idempotencyKey = formMode(form) === "send" ? form.elements.idempotency_key.value.trim() : "";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const shownHeaders = [`authorization: ${state.key}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  $("create-request").textContent = `POST ${path}\n${shownHeaders.join("\n")}\n\n${JSON.stringify(body, null, 2)}`;
  const { status, json } = await api("POST", path, { body, key: state.key, client: true, headers });
  $("create-response").textContent = `HTTP ${status}\n\n${JSON.stringify(json, null, 2)}`;
  if (status === 200) {
    state.selected = json.data.conversation_id;
    event.target.elements.message.value = "";
    await poll(true);
  }
}

// ------------------------------------------------------------------------------------ journal, faults

async function loadJournal() {
  if (!state.capabilities.includes("requests")) return;
  const { status, json } = await api("GET", "/_mock/requests?limit=50");
  if (status !== 200) return;
  const rows = (json.requests || []).slice(-50).reverse();
  $("journal-body").replaceChildren(...rows.map((r) => {
    const row = el("tr");
    row.append(el("td", shortTime(r.time)), el("td", r.method), el("td", r.path),
      el("td", r.status ?? "dropped"), el("td", r.fault ? `${r.fault.id}: ${r.fault.kind}` : ""));
    return row;
  }));
}

async function loadFaults() {
  if (!state.capabilities.includes("faults")) return;
  const { status, json } = await api("GET", "/_mock/faults");
  if (status !== 200) return;
  $("faults-list").replaceChildren(...json.faults.map((fault) => {
    const { id, matched, applied, remaining, ...rule } = fault;
    const item = el("li", `${id}: ${JSON.stringify(rule)} — matched ${matched}, applied ${applied}` +
      (remaining === null ? "" : `, ${remaining} left`));
    const remove = el("button", "Remove");
    remove.type = "button";
    remove.addEventListener("click", async () => { await api("DELETE", `/_mock/faults/${id}`); await loadFaults(); });
    item.append(" ", remove);
    return item;
  }));
}

async function addFault(event) {
  event.preventDefault();
  const rule = {};
  const method = $("fault-method").value, path = $("fault-path").value.trim();
  if (method) rule.method = method;
  if (path) rule.path = path;
  for (const [id, name] of [["fault-status", "status"], ["fault-latency", "latency_ms"], ["fault-times", "times"]]) {
    if ($(id).value !== "") rule[name] = Number($(id).value);
  }
  if ($("fault-drop").checked) rule.drop = true;
  const { status, json } = await api("POST", "/_mock/faults", { body: rule });
  $("fault-error").textContent = status === 201 ? "" : (json?.errors || []).map((e) => e.message).join("; ");
  await loadFaults();
}

// ------------------------------------------------------------------------------------- polling, wiring

async function poll(force = false) {
  const asked = state.selected ? `?conversation=${encodeURIComponent(state.selected)}` : "";
  const { status, json } = await api("GET", `/_mock/ui/version${asked}`);
  if (status !== 200) return;
  if (!state.capabilities.length) { await loadCapabilities(); await loadAccounts(); force = true; }
  state.clock = { now: json.now, frozen: json.frozen, readAt: Date.now() };
  renderClock();
  const work = [];
  const moved = force || json.version !== state.version;
  // Webhooks move on their own threads, with no request: their own counter says when (the thread's, the rules').
  const webhooksMoved = force || json.webhooks !== state.webhooks;
  // The deleted list first: a thread that is gone is then shown as deleted, with the instant (and its webhooks).
  if (moved) work.push(loadList(), loadDeleted().then(loadThread), loadAccounts());
  else if (webhooksMoved) work.push(loadWebhooks());
  if (webhooksMoved) work.push(loadWebhookFaults());
  if (force || json.traffic !== state.traffic) work.push(loadJournal(), loadFaults());
  state.version = json.version;
  state.traffic = json.traffic;
  state.webhooks = json.webhooks;
  await Promise.all(work);
}

// Until a call succeeds (a refused control token) there are no capabilities; poll() asks again.
async function loadCapabilities() {
  const health = await api("GET", "/_mock/health");
  state.capabilities = health.status === 200 ? health.json?.capabilities || [] : [];
  $("journal-panel").hidden = !state.capabilities.includes("requests");
  $("faults-panel").hidden = !state.capabilities.includes("faults");
  $("webhook-faults-panel").hidden = !state.capabilities.includes("webhooks");
  $("accounts-panel").hidden = !state.capabilities.includes("accounts");
}

async function start() {
  await loadCapabilities();
  await loadAccounts();
  $("account").addEventListener("change", (event) => {
    state.key = event.target.value;
    state.deleted = [];
    showNoThread(NO_SELECTION);
    $("thread-action").textContent = "";
    renderAgentNumbers();
    reloadFromFirstPage();
    loadDeleted();
  });
  $("list-form").addEventListener("submit", (event) => { event.preventDefault(); reloadFromFirstPage(); });
  ["sort-by", "sort-dir", "page-size"].forEach((id) => $(id).addEventListener("change", reloadFromFirstPage));
  let searchDelay;
  $("search").addEventListener("input", () => { clearTimeout(searchDelay); searchDelay = setTimeout(reloadFromFirstPage, 250); });
  $("add-filter").addEventListener("click", () => addFilterRow());
  $("prev-page").addEventListener("click", () => { state.page = Math.max(1, state.page - 1); loadList(); });
  $("next-page").addEventListener("click", () => { state.page += 1; loadList(); });
  $("clock-freeze").addEventListener("click", () => moveClock({ freeze: !state.clock.frozen }));
  document.querySelectorAll("[data-advance]").forEach((button) =>
    button.addEventListener("click", () => moveClock({ advance: Number(button.dataset.advance) })));
  $("advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    moveClock({ advance: $("advance-by").value.trim() });  // the mock reads the duration (90, 90s, 4m30s, 1h)
  });
  $("set-form").addEventListener("submit", (event) => { event.preventDefault(); moveClock({ set: $("set-to").value.trim(), freeze: state.clock.frozen }); });
  $("create-form").addEventListener("submit", sendCreate);
  $("create-form").querySelectorAll("input[name=mode]").forEach((radio) =>
    radio.addEventListener("change", () => switchMode($("create-form"))));
  switchMode($("create-form"));
  $("end-conversation").addEventListener("click", setActive);
  $("delete-conversation").addEventListener("click", deleteConversation);
  $("fault-form").addEventListener("submit", addFault);
  $("faults-clear").addEventListener("click", async () => { await api("DELETE", "/_mock/faults"); await loadFaults(); });
  $("journal-clear").addEventListener("click", async () => { await api("DELETE", "/_mock/requests"); await loadJournal(); });
  $("wfault-effect").addEventListener("change", switchEffect);
  switchEffect();
  $("webhook-fault-form").addEventListener("submit", addWebhookFault);
  $("wfaults-clear").addEventListener("click", async () => {
    await api("DELETE", "/_mock/webhooks/faults");
    await loadWebhookFaults();
  });
  await poll(true);
  setInterval(poll, 1500);
  setInterval(renderClock, 1000);
}

start();
