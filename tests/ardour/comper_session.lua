-- Comper in Ardour, headless:
-- `ardour7-lua comper_session.lua WORK VST3_DIR MELODY END_BEAT BEATS_PER_BAR RHYTHM`.
--
-- Driven by tests/tests/ardour.rs, which prepares MELODY (one note a line: start beat, end beat,
-- MIDI key, velocity), judges what this script leaves in WORK, and bounces the snapshots it
-- saves with ardour7-export:
--
--   results.txt          `key value` lines, appended as the run goes, so whatever happened
--                        last is on disk even if Ardour dies later; `stage complete` is the
--                        last line before the session is closed
--   chords.mid           Comper's output recorded in real time (pass 1)
--   melody.mid           the melody as the Comper track recorded it (pass 1)
--   home/Music/Comper/   Comper's own capture of the take, saved when pass 1 stops (`Save takes`)
--   session/with.ardour  that take through Comper into ACE Reasonable Synth, for the bounce
--   session/without.ardour  the same with Comper deactivated
--
-- The session: 48 kHz, 120 BPM (Ardour's default) in BEATS_PER_BAR/4, three MIDI tracks:
--
--   Keys ──► Comper [Comper.vst3, then ACE Reasonable Synth] ──► Chords
--
-- Keys stands for the player's keyboard: the melody is injected into it live. Comper records
-- the melody it hears (the take the bounces play back), Chords records what Comper sends.

local work, vst3_dir, melody_file, end_beat = arg[1], arg[2], arg[3], tonumber(arg[4])
local beats_per_bar, rhythm = tonumber(arg[5]), tonumber(arg[6])
assert(work and vst3_dir and melody_file and end_beat and beats_per_bar and rhythm,
	"usage: ardour7-lua comper_session.lua WORK VST3_DIR MELODY END_BEAT BEATS_PER_BAR RHYTHM")

local RATE = 48000
local SAMPLES_PER_BEAT = RATE / 2 -- 120 BPM, Ardour's default tempo
local SYNTH = "https://community.ardour.org/node/7596" -- ACE Reasonable Synth (ardour-lv2-plugins)

-- Results -------------------------------------------------------------------------------------

-- Appended and closed line by line: a crash later must not lose what is already known.
local function record(key, value)
	local f = assert(io.open(work .. "/results.txt", "a"))
	f:write(key, " ", tostring(value), "\n")
	f:close()
	print("COMPER-ARDOUR " .. key .. " " .. tostring(value))
end

local function fail(message)
	record("error", message)
	error(message)
end

-- Session and tracks --------------------------------------------------------------------------

local function read_melody()
	local notes = {}
	for line in assert(io.open(melody_file)):lines() do
		local on, off, key, velocity = line:match("^(%S+) (%S+) (%d+) (%d+)$")
		if on then
			notes[#notes + 1] =
				{ on = tonumber(on), off = tonumber(off), key = tonumber(key), velocity = tonumber(velocity) }
		end
	end
	if #notes == 0 then fail("no notes in " .. melody_file) end
	return notes
end

-- Headless Ardour only reads its plugin cache (discovering plugins is the GUI's job), so the
-- bundle is scanned into the cache (under HOME) first, by the scanner the GUI would run. The
-- cache is keyed by path: VST3_DIR must be the path Ardour will search, symlinks resolved.
local function scan_vst3()
	local scanner = (os.getenv("ARDOUR_DLL_PATH") or "/usr/lib/ardour7") .. "/ardour-vst3-scanner"
	local bundle = vst3_dir .. "/Comper.vst3"
	if not os.execute(string.format("'%s' -q -f '%s'", scanner, bundle)) then
		fail("Ardour's VST3 scanner (" .. scanner .. ") could not load " .. bundle)
	end
end

-- The session's meter, BEATS_PER_BAR/4 from its start.
local function set_meter()
	local map = Temporal.TempoMap.fetch_writable()
	map:set_meter(Temporal.Meter(beats_per_bar, 4), Temporal.timepos_t(0))
	Temporal.TempoMap.update(map)
end

-- Everything here counts in samples at 120 BPM.
local function check_tempo()
	local map = Temporal.TempoMap.read()
	local tempo = map:tempo_at(Temporal.timepos_t(0)):quarter_notes_per_minute()
	local meter = map:meter_at(Temporal.timepos_t(0))
	if tempo ~= 120 or meter:divisions_per_bar() ~= beats_per_bar or meter:note_value() ~= 4 then
		fail(string.format("the session runs at %g BPM, %d/%d, not 120 BPM, %d/4",
			tempo, meter:divisions_per_bar(), meter:note_value(), beats_per_bar))
	end
end

local function midi_track(name)
	local midi = ARDOUR.DataType("midi")
	local list = Session:new_midi_track(ARDOUR.ChanCount(midi, 1), ARDOUR.ChanCount(midi, 1), false,
		ARDOUR.PluginInfo(), nil, nil, 1, name, ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, false, false)
	for track in list:iter() do return track end
	fail("could not create the MIDI track " .. name)
end

-- `from`'s MIDI output feeds `to`'s MIDI input, and nothing else does: Ardour auto-connects new
-- tracks to the backend's ports and to the master bus.
local function wire(from, to)
	to:input():disconnect_all(nil)
	from:output():disconnect_all(nil)
	if to:input():connect(to:input():midi(0), from:output():midi(0):name(), nil) ~= 0 then
		fail("could not connect " .. from:name() .. " to " .. to:name())
	end
end

local function arm(track, on)
	track:rec_enable_control():set_value(on and 1 or 0, PBD.GroupControlDisposition.NoGroup)
end

local function insert_comper(track)
	local comper = ARDOUR.LuaAPI.new_plugin(Session, "Comper", ARDOUR.PluginType.VST3, "")
	if comper:isnil() then
		local found = {}
		for info in ARDOUR.LuaAPI.list_plugins():iter() do
			if info.type == ARDOUR.PluginType.VST3 then found[#found + 1] = info.name end
		end
		fail("Ardour did not load Comper from " .. vst3_dir .. " (VST3 plugins found: "
			.. (#found > 0 and table.concat(found, ", ") or "none") .. ")")
	end
	if track:add_processor_by_index(comper, 0, nil, true) ~= 0 then
		fail("could not add Comper to the track")
	end
	return comper
end

-- Parameters are addressed by index, and take values in the plugin's own units (Ardour
-- normalizes them for VST3 itself): "Listen" 8 is 8 beats.
local function set_param(processor, name, value)
	local plugin = processor:to_insert():plugin(0)
	for i = 0, plugin:parameter_count() - 1 do
		if plugin:parameter_is_input(i) and plugin:parameter_label(i) == name then
			ARDOUR.LuaAPI.set_processor_param(processor, i, value)
			return
		end
	end
	fail("Comper has no parameter " .. name)
end

-- Pass 1: the live take ----------------------------------------------------------------------

-- Note-offs sort before note-ons at the same time, so repeated keys are struck again.
local function midi_events(notes)
	local events = {}
	for _, n in ipairs(notes) do
		events[#events + 1] = { at = n.off * SAMPLES_PER_BEAT, bytes = { 0x80, n.key, 0 } }
		events[#events + 1] = { at = n.on * SAMPLES_PER_BEAT, bytes = { 0x90, n.key, n.velocity } }
	end
	table.sort(events, function(a, b)
		if a.at ~= b.at then return a.at < b.at end
		return a.bytes[1] < b.bytes[1]
	end)
	return events
end

-- Waits for the transport to reach `sample`; an engine that stops advancing (a plugin stuck in
-- its process call) fails here instead of hanging until the test's timeout.
local function wait_until(sample)
	local last, since = Session:transport_sample(), os.time()
	while last < sample do
		ARDOUR.LuaAPI.usleep(1000)
		local now = Session:transport_sample()
		if now ~= last then
			last, since = now, os.time()
		elseif os.time() - since > 5 then
			fail(string.format("the transport stopped at sample %d: the engine is stuck", now))
		end
	end
end

-- Injected immediate events reach the track at the start of the next cycle, so the melody is
-- as late and as jittery as a live player's by up to one period; Comper quantizes what it hears
-- to 16th notes anyway, and what it plays is timed from the host's beat position, not by us.
local function play_live(keys, notes)
	local parser = ARDOUR.RawMidiParser()
	local function send(bytes)
		for _, b in ipairs(bytes) do
			if parser:process_byte(b) then
				local size, buffer = parser:buffer_size(), parser:midi_buffer()
				keys:write_immediate_event(Evoral.EventType.MIDI_EVENT, size, buffer)
			end
		end
	end
	Session:maybe_enable_record(false)
	Session:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
	for _, event in ipairs(midi_events(notes)) do
		wait_until(event.at)
		send(event.bytes)
	end
	wait_until(end_beat * SAMPLES_PER_BEAT)
	Session:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
	while Session:transport_rolling() do ARDOUR.LuaAPI.usleep(10000) end
	Session:disable_record(false, false)
	ARDOUR.LuaAPI.usleep(500000) -- the butler turns the captures into regions
end

-- Saves the track's recorded region as `file` (times relative to the region's position) and
-- notes where the region lies; a track that recorded nothing has no region. Returns how many.
local function save_take(track, file)
	local count = 0
	for region in track:playlist():region_list():iter() do
		count = count + 1
		record(file .. ".position", region:position():samples())
		if not region:to_midiregion():do_export(work .. "/" .. file) then
			fail("could not write " .. file)
		end
	end
	record(file .. ".regions", count)
	return count
end

-- Pass 2: what the bounces play --------------------------------------------------------------

local function add_synth(track)
	local synth = ARDOUR.LuaAPI.new_plugin(Session, SYNTH, ARDOUR.PluginType.LV2, "")
	if synth:isnil() then
		fail("ACE Reasonable Synth is missing (Debian package ardour-lv2-plugins)")
	end
	if track:add_processor_by_index(synth, 1, nil, true) ~= 0 then fail("could not add the synth") end
	-- The track grew audio outputs for the synth; they must reach the master bus.
	local master = Session:master_out()
	for i = 0, track:output():n_ports():n_audio() - 1 do
		local port = track:output():audio(i)
		if not port:connected() then track:output():connect(port, master:input():audio(i):name(), nil) end
	end
end

-- The bounces play the session range.
local function set_session_range(last_sample)
	local range = Session:locations():session_range_location()
	if not range then fail("the session has no session range") end
	range:set(Temporal.timepos_t(0), Temporal.timepos_t(last_sample))
end

-- Saved for ardour7-export, which bounces one snapshot per process. Not Session:simple_export
-- here: in Ardour 7.3 it corrupts the heap, and the open session crashes in about one run of
-- three, even empty; ardour7-export crashes far less often, and only after the file is written.
local function save_snapshot(name)
	-- Parameter changes reach a VST3 plugin in the next process calls: wait for them, so the
	-- plugin's saved state has them.
	ARDOUR.LuaAPI.usleep(300000)
	if Session:save_state(name, false, false, false, false, false) ~= 0 then
		fail("could not save the snapshot " .. name)
	end
	record("snapshot", name)
end

-- The run -------------------------------------------------------------------------------------

local notes = read_melody()

AudioEngine:set_backend("None (Dummy)", "", "") -- runs in real time, no sound card needed
scan_vst3()
ARDOUR.config():set_plugin_path_vst3(vst3_dir)
if not create_session(work .. "/session", "comper", RATE) then
	fail("could not create the session")
end
set_meter()
check_tempo()
record("stage", "session")

local keys, comper_track, chords = midi_track("Keys"), midi_track("Comper"), midi_track("Chords")
wire(keys, comper_track)
wire(comper_track, chords)
local comper = insert_comper(comper_track)
set_param(comper, "Melody thru", 0) -- Chords records Comper's chords only
set_param(comper, "Listen", 8) -- two bars of listening: their silence is checked too
set_param(comper, "Rhythm", rhythm) -- 1, Every beat: a chord held for bars still sounds in every bar of the bounce
set_param(comper, "Save takes", 1) -- Comper's own capture of pass 1, to compare with what Chords records
record("stage", "plugin")

arm(comper_track, true)
arm(chords, true)
play_live(keys, notes)
arm(comper_track, false)
arm(chords, false)
record("stage", "played")
save_take(chords, "chords.mid")
if save_take(comper_track, "melody.mid") == 0 then
	fail("the Comper track recorded no melody from Keys: there is nothing to bounce")
end
record("stage", "recorded")

-- What the bounce of the take is made of: the melody and Comper's chords, through the synth;
-- the second snapshot has Comper deactivated (the melody alone).
add_synth(comper_track)
set_param(comper, "Melody thru", 1)
set_param(comper, "Save takes", 0)
set_session_range(math.floor(end_beat * SAMPLES_PER_BEAT))
save_snapshot("with")
comper:deactivate()
save_snapshot("without")
record("stage", "complete")

close_session()
record("closed", "yes")
