// Package reportrow holds the records the monthly report reads from
// storage: an appeal of the month, a draft returned on one, and the Sink
// that storage feeds them to. It sits apart from package report (which
// writes the workbook) so that storage implements the report's store
// without depending on the workbook or the texts, as outbox and tgstate
// sit apart for delivery and transport.
package reportrow

import (
	"time"

	"mcu/workflow"
)

// Appeal is an appeal as the report sees it: dates, direction, kind,
// channel, state and outcome, and nothing personal (no text, address,
// resident or contact).
type Appeal struct {
	ID        int64
	Number    string // YYYY-NNNNNN; "" before registration
	Kind      workflow.Kind
	Source    workflow.Source
	State     workflow.State
	Direction string // "" while in triage

	// ReceivedAt is when the appeal was received: the day an appeal from
	// another channel came in there, or when a bot message was created.
	ReceivedAt   time.Time
	RegisteredAt time.Time // zero before registration
	DueAt        time.Time // zero before registration
	Extended     bool
	AnsweredAt   time.Time // the latest approved answer; zero when none
	ClosedAt     time.Time // zero while open or answered

	ReopenCount int
	ExecutorID  int64 // Telegram user id of who took it; 0 for none
	// Ratings are every rating the resident gave, oldest first: a reopen
	// clears the appeal's current rating, so the audit trail is where a
	// rating of an answer that was then reopened still counts.
	Ratings []int
}

// Return is a draft a curator (or an admin) returned, with the reason.
type Return struct {
	AppealID  int64
	Number    string
	Direction string // the appeal's direction now
	At        time.Time
	ActorID   int64 // Telegram user id of who returned it
	Role      string
	Reason    string // the wording of a listed reason, or a comment
}

// Incident is an incident made in the month: one problem whose appeals
// were answered at once (see docs/incidents.md).
type Incident struct {
	ID         int64
	Title      string
	Direction  string
	CreatedAt  time.Time
	ExpectedAt time.Time // the term residents were told; zero for none
	State      workflow.IncidentState
	AnsweredAt time.Time // zero while not answered
	// Gathered is how many appeals were ever joined to it (those
	// detached since too); Answered how many its answer answered.
	Gathered, Answered int
}

// Sink receives what the report of a month reads, from one snapshot of
// the database and in this order: Directions once, StaffNames once, Appeal
// for every appeal received in the month (oldest first), then Return for
// every draft returned on those appeals, in the same order, then Incident
// for every incident made in the month, oldest first. An error
// returned by a Sink method stops the reading and is returned.
type Sink interface {
	// Directions are every direction, active or not, in their order.
	Directions(ds []workflow.Direction) error
	// StaffNames are the staff's names by Telegram user id.
	StaffNames(names map[int64]string) error
	Appeal(a *Appeal) error
	Return(r *Return) error
	Incident(i *Incident) error
}
