package workflow

import (
	"fmt"
	"time"
)

// Purposes a chat (or a forum topic) is bound to.
const (
	BindDirection = "direction" // the curator's chat of one direction
	BindTriage    = "triage"    // the operators' chat for appeals with no direction
	BindHead      = "head"      // the head of administration's digest
	BindLeader    = "leader"    // the МЦУ leader's copy of the digest
	BindChannel   = "channel"   // the official channel that gets announcements as posts
)

// personalPurpose reports whether a chat bound to purpose may be a
// private one: a digest is read by one person, while cards need a group
// of colleagues.
func personalPurpose(purpose string) bool { return purpose == BindHead || purpose == BindLeader }

// Binding ties a chat, or a topic of a forum supergroup, to a purpose.
type Binding struct {
	ChatID    int64
	ThreadID  int    // the forum topic; 0 for the whole chat
	Purpose   string // BindDirection, BindTriage, BindHead or BindLeader
	Direction string // the direction code when Purpose is BindDirection
	BoundBy   int64
	BoundAt   time.Time
}

// InviteTTL is how long an invitation link stays valid.
const InviteTTL = 7 * 24 * time.Hour

// Invite is a one-time invitation to take a staff role.
type Invite struct {
	Code      string
	Role      Role
	Direction string // for scoped roles
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedBy    int64
	UsedAt    time.Time
}

// InviteError is why an invitation cannot be redeemed. Its values are
// constants: compare with errors.Is; ErrorCode gives their codes.
type InviteError string

// Errors of invitations.
const (
	ErrInviteUsed    InviteError = "invite already used" // a conflict
	ErrInviteExpired InviteError = "invite expired"      // invalid
)

// Error implements the error interface.
func (e InviteError) Error() string { return fmt.Sprintf("workflow: %s: %s", e.code(), string(e)) }

// code returns the error's code: a used invitation is a conflict, an
// expired one is invalid.
func (e InviteError) code() string {
	if e == ErrInviteUsed {
		return EConflict
	}
	return EInvalid
}

// StaffMember is a staff member with the roles they hold.
type StaffMember struct {
	UserID int64
	Name   string
	Grants []Grant
}

// Staff actions that are not transitions of an appeal, recorded in the
// staff audit trail.
const (
	ActionBind      = "bind"
	ActionUnbind    = "unbind"
	ActionInvite    = "invite"
	ActionGrant     = "grant"
	ActionRevoke    = "revoke"
	ActionRegister  = "register"  // an appeal registered from another channel
	ActionMigrate   = "migrate"   // a group became a supergroup
	ActionForget    = "forget"    // an appellant's personal data erased
	ActionDirection = "direction" // a direction added, renamed, turned off or on
	ActionDeadline  = "deadline"  // a deadline rule set or dropped
)

// StaffAction is one row of the staff audit trail: who (Telegram id and
// the role they acted in) did what, when.
type StaffAction struct {
	ID       int64
	At       time.Time
	ActorID  int64
	Role     Role
	Action   string
	AppealID int64 // 0 when the action is about no appeal
	ChatID   int64
	Details  string // e.g. the role granted, the binding's target
}

// CardEvent is an audit event as a card shows it: with the staff
// member's name.
type CardEvent struct {
	At        time.Time
	Event     Event
	Actor     Actor
	Role      Role
	ActorName string
	Payload   Input
}
