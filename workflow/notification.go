package workflow

// Audience is who a notification is for.
type Audience string

// Audiences of notifications.
const (
	// AudienceResident is the appeal's resident, in the private chat.
	AudienceResident Audience = "resident"
	// AudienceCard is the appeal's card in the chat of Direction (the
	// triage chat when Direction is ""): created or edited in place.
	AudienceCard Audience = "card"
	// AudienceChat is a message in the chat of Direction (triage when "").
	AudienceChat Audience = "chat"
	// AudienceIncidentCard is the card of incident IncidentID in the
	// chat of Direction: created or edited in place.
	AudienceIncidentCard Audience = "incident_card"
)

// Notification is something a change has to tell someone. It is written to
// the outbox in the transaction of the change; the text is rendered when
// it is sent, from the appeal as it is then and from Input.
type Notification struct {
	AppealID  int64
	Audience  Audience
	Direction string
	Event     Event
	Input     Input
	// IncidentID is the incident of an incident's card (AppealID is 0).
	IncidentID int64 `json:",omitempty"`
}

// notifications returns what the change of a by cmd, from state from,
// has to tell. prev is the direction before the change.
func notifications(a *Appeal, cmd Command, from State, prevDirection string) []Notification {
	n := func(aud Audience, dir string) Notification {
		return Notification{AppealID: a.ID, Audience: aud, Direction: dir, Event: cmd.Event, Input: cmd.Input}
	}
	card := n(AudienceCard, a.Direction)
	var out []Notification
	resident := func() {
		if a.ResidentID != 0 && !cmd.Told {
			out = append(out, n(AudienceResident, ""))
		}
	}
	switch cmd.Event {
	case EventRegister:
		resident()
		return out // the card appears with route, or in triage (see Submit)
	case EventRoute:
		// The triage card (if any) is edited to say where it went.
		out = append(out, n(AudienceCard, ""), card)
	case EventReroute:
		out = append(out, n(AudienceCard, prevDirection), card)
	case EventTake, EventAskResident, EventExtend, EventReject, EventRedirect:
		resident()
		out = append(out, card)
	case EventApprove, EventJoinIncident, EventAnswerIncident:
		resident()
		out = append(out, card)
	case EventReturn, EventResidentReplied, EventReopen, EventResidentCommented, EventWithdraw:
		out = append(out, card, n(AudienceChat, a.Direction))
	case EventClose:
		// The system closing an answer nobody rated tells the resident;
		// the resident's own «Да» is answered where it was pressed.
		if cmd.Actor.Kind == ActorSystem {
			resident()
		}
		out = append(out, card)
	default: // submit_draft, rate
		out = append(out, card)
	}
	return out
}
