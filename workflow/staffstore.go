package workflow

import (
	"context"
	"time"
)

// StaffStore gives the staff service its transactions and the reads it
// makes outside one. storage.DB implements it.
type StaffStore interface {
	// InStaffTx runs fn in one transaction, committed when fn returns nil
	// and rolled back otherwise.
	InStaffTx(ctx context.Context, fn func(ctx context.Context, tx StaffTx) error) error
	// FindGrants returns the roles a staff member holds in the database.
	FindGrants(ctx context.Context, userID int64) ([]Grant, error)
	// FindStaff returns every staff member with their roles, by name.
	FindStaff(ctx context.Context) ([]StaffMember, error)
}

// StaffTx is what the staff service reads and writes inside one
// transaction. It carries out the service's decisions and makes none.
type StaffTx interface {
	// DirectionStore edits directions and deadline rules (directions.go).
	DirectionStore
	// FindGrants returns the roles a staff member holds in the database.
	FindGrants(ctx context.Context, userID int64) ([]Grant, error)
	// DirectionExists reports whether an active direction has this code.
	DirectionExists(ctx context.Context, code string) (bool, error)

	// InsertInvite stores a new invitation.
	InsertInvite(ctx context.Context, inv Invite) error
	// FindInviteForUpdate loads an invitation and locks it until the
	// transaction ends; found is false when there is no such code.
	FindInviteForUpdate(ctx context.Context, code string) (inv Invite, found bool, err error)
	// MarkInviteUsed records who used an invitation and when.
	MarkInviteUsed(ctx context.Context, code string, userID int64, at time.Time) error

	// GrantRole gives a staff member a role, adding the staff member (or
	// renaming them, when name is not empty); a role held already stays.
	GrantRole(ctx context.Context, userID int64, name string, g Grant, grantedBy int64) error
	// DeleteRole deletes a role of a staff member and reports whether
	// they held it.
	DeleteRole(ctx context.Context, userID int64, g Grant) (bool, error)

	// DeleteChatBinding deletes the binding of a chat (or topic) and
	// returns it; found is false when the chat was not bound.
	DeleteChatBinding(ctx context.Context, chatID int64, threadID int) (b Binding, found bool, err error)
	// DeleteTargetBinding deletes the binding of a purpose (with its
	// direction, "" for none), whichever chat holds it.
	DeleteTargetBinding(ctx context.Context, purpose, direction string) error
	// InsertBinding stores a binding.
	InsertBinding(ctx context.Context, b Binding) error
	// TargetBindingExists reports whether some chat is bound to a purpose
	// (with its direction, "" for none).
	TargetBindingExists(ctx context.Context, purpose, direction string) (bool, error)
	// ChatBindingExists reports whether a chat (or topic) is bound.
	ChatBindingExists(ctx context.Context, chatID int64, threadID int) (bool, error)

	// FindChatlessOutbox returns the unsent notifications kept with no
	// chat, oldest first, locked until the transaction ends.
	FindChatlessOutbox(ctx context.Context) ([]QueuedNotification, error)
	// AttachOutbox gives outbox messages a chat (and topic) and wakes the
	// dispatcher; it returns how many it changed.
	AttachOutbox(ctx context.Context, ids []int64, chatID int64, threadID int) (int, error)

	// RecordStaffAction appends to the staff audit trail.
	RecordStaffAction(ctx context.Context, act StaffAction) error
}

// QueuedNotification is a notification waiting in the outbox with no chat:
// the chat of its direction was not bound when it was enqueued.
type QueuedNotification struct {
	ID           int64 // the outbox message
	Notification Notification
}
