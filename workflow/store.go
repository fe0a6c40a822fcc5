package workflow

import (
	"context"
	"time"
)

// Store gives the workflow its transactions. storage.DB implements it.
type Store interface {
	// InTx runs fn in one transaction, committed when fn returns nil and
	// rolled back otherwise.
	InTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error
}

// Tx is what the workflow reads and writes inside one transaction.
type Tx interface {
	// IncidentTx reads and writes incidents (incident_service.go).
	IncidentTx
	// CreateAppeal inserts a in state received and sets its ID. The
	// contact, when not empty, is stored apart as personal data.
	CreateAppeal(ctx context.Context, a *Appeal, contactName, contact string) error
	// LockAppeal loads an appeal and locks it until the transaction ends.
	LockAppeal(ctx context.Context, id int64) (*Appeal, error)
	// UpdateAppeal writes the appeal's mutable fields; it fails with a
	// conflict unless the stored version is a.Version-1.
	UpdateAppeal(ctx context.Context, a *Appeal) error
	// NextAppealSeq returns the next registration sequence of the year.
	NextAppealSeq(ctx context.Context, year int) (int, error)
	// AddAttachments stores files of an appeal, a reply or a draft.
	AddAttachments(ctx context.Context, appealID int64, purpose string, files []Attachment) error
	// AppendEvent appends to the audit trail.
	AppendEvent(ctx context.Context, e AuditEvent) error
	// Enqueue writes notifications to the outbox.
	Enqueue(ctx context.Context, ns ...Notification) error
	// FindGrants returns the roles of a staff member.
	FindGrants(ctx context.Context, userID int64) ([]Grant, error)
	// FindDeadlineRule returns the deadline rule for a kind and direction.
	FindDeadlineRule(ctx context.Context, kind Kind, direction string) (DeadlineRule, error)
	// DirectionExists reports whether an active direction has this code.
	DirectionExists(ctx context.Context, code string) (bool, error)
	// FindResidentAppealTimes returns when the resident's appeals created
	// at or after since were created, oldest first.
	FindResidentAppealTimes(ctx context.Context, residentID int64, since time.Time) ([]time.Time, error)
}

// AuditEvent is one row of an appeal's append-only history.
type AuditEvent struct {
	ID       int64
	AppealID int64
	At       time.Time
	Actor    Actor
	Role     Role
	Event    Event
	From, To State
	Payload  Input
}
