// Package loadtest drives mcu from the outside, as residents would, and
// measures it: simulated residents read what the bot shows in their
// private chat on the Telegram test server (its latest messages in their
// current state, edits included, their inline buttons and reply
// keyboards) and act on it — press a button, type the description when
// asked, share a location, send or skip the phone — until the chat shows
// a registration number (YYYY-NNNNNN). Nothing assumes one reply per
// update or a fixed number of messages: a resident acts only on what
// changed since its last action, and waits otherwise.
//
// The buttons are recognised by their callback data (r_consent, r_dir,
// r_in and the action at its end) and the reply keyboards by their kind
// (location, contact) or by the texts of package render, so no text is
// written twice.
//
// A Watcher reads the server's calls once, wakes the residents whose chat
// changed, and measures: the latency from an update's arrival at the
// server to the bot's first send or edit in that chat after it, the
// messages the bot sent, the 429s it got, each group's messages in any
// 60 s. Runs are closed loop (N residents at a time, each replaced when
// done) or open loop (R updates a second offered whatever the bot's pace,
// new residents arriving when no one is ready). Beside it: pgbench's TPS
// on the same server, the commits a database counted, and a process's
// resident memory.
package loadtest
