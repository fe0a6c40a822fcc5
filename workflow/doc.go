// Package workflow is the domain of MCU: the appeal, its states and
// events (a looplab/fsm transition table), the roles allowed to fire each
// event, deadlines on the Russian production calendar, and the service
// that applies a command in one transaction: lock the appeal, check the
// actor, fire the event, write the new state, append an audit event and
// enqueue the notifications the change causes.
//
// The package imports nothing else of this repository. It names the
// interfaces it needs (Store, Tx) and the adapters implement them:
// storage with PostgreSQL, bot with Telegram.
package workflow
