package workflow

import (
	"context"
	"fmt"
	"time"
)

// IncidentState is where an incident is: open (worked on), its one
// answer on approval, or answered.
type IncidentState string

// States of an incident.
const (
	IncidentOpen       IncidentState = "open"
	IncidentOnApproval IncidentState = "on_approval"
	IncidentAnswered   IncidentState = "answered"
)

// Incident is one problem many residents write about: the appeals joined
// to it are answered at once, with one approved answer.
type Incident struct {
	ID        int64
	Direction string // the direction of its appeals
	Title     string // «Нет отопления, ул. Ленина 1–15»
	// ExpectedAt is when the problem is expected to be solved; zero for
	// no term.
	ExpectedAt time.Time
	State      IncidentState
	Draft      string // the answer prepared for every joined appeal
	// DraftFiles are the photos sent with the draft: every resident gets
	// them just above the answer, as with an appeal's evidence.
	DraftFiles []Attachment
	DraftBy    int64  // Telegram id of who prepared it
	Returned   string // why the curator returned the last draft
	Answer     string
	CreatedBy  int64
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	AnsweredAt time.Time
}

// IncidentCount is an incident's id and title with how many appeals it
// gathers.
type IncidentCount struct {
	ID      int64
	Title   string
	Appeals int
}

// IncidentAction is something staff do to an incident itself (its
// appeals' events are join_incident, leave_incident, answer_incident).
type IncidentAction string

// Actions on an incident.
const (
	IncidentMake    IncidentAction = "make"    // make one from appeals
	IncidentJoin    IncidentAction = "join"    // join an appeal to it
	IncidentTerm    IncidentAction = "term"    // change the expected time
	IncidentDraft   IncidentAction = "draft"   // prepare the answer
	IncidentApprove IncidentAction = "approve" // approve the answer: every joined appeal is answered
	IncidentReturn  IncidentAction = "return"  // return the answer to be redone
)

// incidentPermissions lists, per action, the roles that may do it: those
// of the appeal events the action is made of (join_incident for make,
// join and term; submit_draft; approve and return).
var incidentPermissions = map[IncidentAction]map[Role]scope{
	IncidentMake:    permissions[EventJoinIncident],
	IncidentJoin:    permissions[EventJoinIncident],
	IncidentTerm:    permissions[EventJoinIncident],
	IncidentDraft:   permissions[EventSubmitDraft],
	IncidentApprove: permissions[EventAnswerIncident],
	IncidentReturn:  permissions[EventReturn],
}

// incidentFrom are the states of an incident each action is allowed in.
var incidentFrom = map[IncidentAction][]IncidentState{
	IncidentJoin:    {IncidentOpen, IncidentOnApproval},
	IncidentTerm:    {IncidentOpen, IncidentOnApproval},
	IncidentDraft:   {IncidentOpen},
	IncidentApprove: {IncidentOnApproval},
	IncidentReturn:  {IncidentOnApproval},
}

// MaxIncidentTitleRunes limits an incident's title.
const MaxIncidentTitleRunes = 200

// AuthorizeIncident returns the role under which a staff member holding
// grants may do act on an incident of direction, or a forbidden error.
func AuthorizeIncident(act IncidentAction, actor Actor, grants []Grant, direction string) (Role, error) {
	allowed, ok := incidentPermissions[act]
	if !ok {
		return "", Errorf(EInvalid, "unknown incident action %q", act)
	}
	if actor.Kind == ActorStaff {
		if role, ok := staffRole(allowed, grants, direction); ok {
			return role, nil
		}
	}
	return "", Errorf(EForbidden, "%s %d may not %s an incident of %q", actor.Kind, actor.UserID, act, direction)
}

// IncidentAllows reports whether act may be done on an incident in state
// st.
func IncidentAllows(st IncidentState, act IncidentAction) bool {
	for _, s := range incidentFrom[act] {
		if s == st {
			return true
		}
	}
	return false
}

// Term choices of the menu that asks for an incident's expected time.
const (
	TermNone     = "none"     // no term
	TermToday    = "today"    // today at 18:00
	TermTomorrow = "tomorrow" // tomorrow at 18:00
	TermIn3Days  = "3d"       // in three days at 18:00
)

// termHour is the hour of the day a chosen term ends at.
const termHour = 18

// TermChoices returns the term choices offered at now in loc: «today»
// only before its hour has passed.
func TermChoices(now time.Time, loc *time.Location) []string {
	if now.In(loc).Hour() >= termHour {
		return []string{TermNone, TermTomorrow, TermIn3Days}
	}
	return []string{TermNone, TermToday, TermTomorrow, TermIn3Days}
}

// TermAt returns the expected time of a term choice made at now in
// loc (zero for TermNone), or an invalid error for an unknown choice.
func TermAt(choice string, now time.Time, loc *time.Location) (time.Time, error) {
	l := now.In(loc)
	at := func(days int) time.Time {
		return time.Date(l.Year(), l.Month(), l.Day()+days, termHour, 0, 0, 0, loc)
	}
	switch choice {
	case TermNone:
		return time.Time{}, nil
	case TermToday:
		return at(0), nil
	case TermTomorrow:
		return at(1), nil
	case TermIn3Days:
		return at(3), nil
	}
	return time.Time{}, Errorf(EInvalid, "unknown term %q", choice)
}

// incidentEffect applies join_incident, leave_incident and
// answer_incident to a, the incident in.Incident (locked by the caller
// before the appeal, see Service.JoinIncident).
func incidentEffect(ctx context.Context, tx Tx, a *Appeal, ev Event, in *Input, now time.Time) error {
	switch ev {
	case EventJoinIncident:
		inc, err := tx.LockIncident(ctx, in.Incident)
		if err != nil {
			return err
		}
		if !IncidentAllows(inc.State, IncidentJoin) {
			return Errorf(EInvalid, "incident %d is %s", inc.ID, inc.State)
		}
		if inc.Direction != a.Direction {
			return Errorf(EInvalid, "incident %d is of %q, appeal %d of %q", inc.ID, inc.Direction, a.ID, a.Direction)
		}
		a.IncidentID = inc.ID
		// The audit row and the resident's notice say what it is.
		in.Text = inc.Title
		in.DueAt = ""
		if !inc.ExpectedAt.IsZero() {
			in.DueAt = inc.ExpectedAt.Format(time.RFC3339)
		}
	case EventLeaveIncident:
		if in.Incident != a.IncidentID {
			return Errorf(EConflict, "appeal %d is in incident %d, not %d", a.ID, a.IncidentID, in.Incident)
		}
		a.IncidentID = 0
	case EventAnswerIncident:
		if in.Incident != a.IncidentID {
			return Errorf(EConflict, "appeal %d is in incident %d, not %d", a.ID, a.IncidentID, in.Incident)
		}
		var err error
		if in.Text, err = text(in.Text, "answer", MaxTextRunes); err != nil {
			return err
		}
		a.Answer = in.Text
		a.AnsweredAt = now
		a.Solved = "" // judged anew, as after approve
	}
	return nil
}

// leavesIncident returns the incident an appeal leaves by ev, 0 when it
// stays where it is: «Нет» or «Частично» of its resident (reopen) takes
// it back to its direction's queue alone; a reroute takes it to another
// direction; a refusal or a withdrawal closes it.
func leavesIncident(a *Appeal, ev Event) int64 {
	switch ev {
	case EventReopen, EventReroute, EventReject, EventRedirect, EventWithdraw:
		return a.IncidentID
	}
	return 0
}

// recordDetached records that a left incident id by cmd (which the audit
// trail has just recorded): a leave_incident row by the same actor, and
// the incident's card updated.
func (s *Service) recordDetached(ctx context.Context, tx Tx, a *Appeal, cmd Command, role Role, id int64, prevDirection string, now time.Time) error {
	err := tx.AppendEvent(ctx, AuditEvent{
		AppealID: a.ID, At: now, Actor: cmd.Actor, Role: role, Event: EventLeaveIncident,
		From: a.State, To: a.State, Payload: Input{Incident: id, Reason: string(cmd.Event)},
	})
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	if err := tx.Enqueue(ctx, incidentCard(id, prevDirection)); err != nil {
		return fmt.Errorf("enqueue incident card: %w", err)
	}
	s.logger().InfoContext(ctx, "appeal left incident", "appeal_id", a.ID, "incident_id", id, "event", cmd.Event)
	return nil
}

// incidentCard is the notification that creates or edits the card of an
// incident in its direction's chat.
func incidentCard(id int64, direction string) Notification {
	return Notification{IncidentID: id, Audience: AudienceIncidentCard, Direction: direction}
}
