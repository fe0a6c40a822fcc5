package workflow

import (
	"context"
	"errors"

	"github.com/looplab/fsm"
)

// State is where an appeal is in its lifecycle.
type State string

// States of an appeal.
const (
	StateReceived      State = "received"
	StateRegistered    State = "registered"
	StateAssigned      State = "assigned"
	StateInProgress    State = "in_progress"
	StateClarification State = "clarification"
	StateOnApproval    State = "on_approval"
	StateAnswered      State = "answered"
	StateClosed        State = "closed"
	StateReopened      State = "reopened"
	StateRejected      State = "rejected"
	StateRedirected    State = "redirected"
	StateWithdrawn     State = "withdrawn"
)

// States returns every state in lifecycle order, in a slice of the
// caller's own.
func States() []State {
	return []State{
		StateReceived, StateRegistered, StateAssigned, StateInProgress,
		StateClarification, StateOnApproval, StateAnswered, StateClosed,
		StateReopened, StateRejected, StateRedirected, StateWithdrawn,
	}
}

// Open reports whether an appeal in this state still waits for an answer.
func (s State) Open() bool {
	switch s {
	case StateAnswered, StateClosed, StateRejected, StateRedirected, StateWithdrawn:
		return false
	}
	return true
}

// Event is something that happens to an appeal.
type Event string

// Events of the lifecycle.
const (
	EventRegister        Event = "register"
	EventRoute           Event = "route"
	EventTake            Event = "take"
	EventAskResident     Event = "ask_resident"
	EventResidentReplied Event = "resident_replied"
	EventSubmitDraft     Event = "submit_draft"
	EventApprove         Event = "approve"
	EventReturn          Event = "return"
	EventReroute         Event = "reroute"
	EventExtend          Event = "extend"
	EventRate            Event = "rate"
	EventReopen          Event = "reopen"
	// EventResidentCommented attaches the resident's comment to the
	// reopening they made: «Нет» or «Частично» reopens at once, the
	// comment may come later, while the appeal is worked on again.
	EventResidentCommented Event = "resident_commented"
	EventClose             Event = "close"
	EventReject            Event = "reject"
	EventRedirect          Event = "redirect"
	EventWithdraw          Event = "withdraw"
	// EventJoinIncident joins the appeal to an incident (Input.Incident):
	// a self-transition in the states staff work in; the incident's one
	// answer will answer it. EventLeaveIncident detaches it again.
	EventJoinIncident  Event = "join_incident"
	EventLeaveIncident Event = "leave_incident"
	// EventAnswerIncident answers the appeal with its incident's approved
	// answer (Input.Text) and its photos (Input.Attachments).
	EventAnswerIncident Event = "answer_incident"
)

// EventIncidentTerm names the notice a resident gets when the expected
// time of the incident their appeal is in changes. It is a notification,
// not a transition of the appeal: it is not in Events().
const EventIncidentTerm Event = "incident_term"

// Events returns every event in a stable order, in a slice of the
// caller's own.
func Events() []Event {
	return []Event{
		EventRegister, EventRoute, EventTake, EventAskResident, EventResidentReplied,
		EventSubmitDraft, EventApprove, EventReturn, EventReroute, EventExtend,
		EventRate, EventReopen, EventResidentCommented, EventClose, EventReject, EventRedirect, EventWithdraw,
	}
}

// IncidentEvents returns the events of an appeal that the incident
// service fires (incident_service.go), each with its incident locked
// before the appeal: they are in the transition table and the audit
// trail, but not in Events(), the commands an appeal takes by itself.
func IncidentEvents() []Event {
	return []Event{EventJoinIncident, EventLeaveIncident, EventAnswerIncident}
}

// beingWorked are the states in which staff are working on an appeal.
var beingWorked = []string{
	string(StateAssigned), string(StateInProgress), string(StateClarification),
	string(StateOnApproval), string(StateReopened),
}

// transitions is the one transition table of the lifecycle. It is never
// modified after init; every command builds a cheap FSM over it from the
// stored state. An event whose Dst equals its source is a self-transition
// (looplab/fsm reports it as NoTransitionError, which fire treats as done).
var transitions = fsm.Events{
	{Name: string(EventRegister), Src: []string{string(StateReceived)}, Dst: string(StateRegistered)},
	{Name: string(EventRoute), Src: []string{string(StateRegistered)}, Dst: string(StateAssigned)},
	{Name: string(EventTake), Src: []string{string(StateAssigned), string(StateReopened)}, Dst: string(StateInProgress)},
	{Name: string(EventAskResident), Src: []string{string(StateInProgress)}, Dst: string(StateClarification)},
	{Name: string(EventResidentReplied), Src: []string{string(StateClarification)}, Dst: string(StateInProgress)},
	{Name: string(EventSubmitDraft), Src: []string{string(StateInProgress)}, Dst: string(StateOnApproval)},
	{Name: string(EventApprove), Src: []string{string(StateOnApproval)}, Dst: string(StateAnswered)},
	{Name: string(EventReturn), Src: []string{string(StateOnApproval)}, Dst: string(StateInProgress)},
	{Name: string(EventReroute), Src: []string{string(StateAssigned), string(StateInProgress), string(StateClarification), string(StateReopened)}, Dst: string(StateAssigned)},
	// extend keeps the state: one event per source state, each a self-transition.
	{Name: string(EventExtend), Src: []string{string(StateAssigned)}, Dst: string(StateAssigned)},
	{Name: string(EventExtend), Src: []string{string(StateInProgress)}, Dst: string(StateInProgress)},
	{Name: string(EventExtend), Src: []string{string(StateClarification)}, Dst: string(StateClarification)},
	{Name: string(EventExtend), Src: []string{string(StateOnApproval)}, Dst: string(StateOnApproval)},
	{Name: string(EventExtend), Src: []string{string(StateReopened)}, Dst: string(StateReopened)},
	{Name: string(EventRate), Src: []string{string(StateAnswered)}, Dst: string(StateAnswered)},
	{Name: string(EventReopen), Src: []string{string(StateAnswered), string(StateClosed)}, Dst: string(StateReopened)},
	// resident_commented keeps the state, in any state of the appeal being
	// worked on again: one event per source state, each a self-transition.
	{Name: string(EventResidentCommented), Src: []string{string(StateAssigned)}, Dst: string(StateAssigned)},
	{Name: string(EventResidentCommented), Src: []string{string(StateInProgress)}, Dst: string(StateInProgress)},
	{Name: string(EventResidentCommented), Src: []string{string(StateClarification)}, Dst: string(StateClarification)},
	{Name: string(EventResidentCommented), Src: []string{string(StateOnApproval)}, Dst: string(StateOnApproval)},
	{Name: string(EventResidentCommented), Src: []string{string(StateReopened)}, Dst: string(StateReopened)},
	{Name: string(EventClose), Src: []string{string(StateAnswered)}, Dst: string(StateClosed)},
	{Name: string(EventReject), Src: []string{string(StateRegistered), string(StateAssigned), string(StateInProgress), string(StateClarification)}, Dst: string(StateRejected)},
	{Name: string(EventRedirect), Src: []string{string(StateRegistered), string(StateAssigned), string(StateInProgress), string(StateClarification)}, Dst: string(StateRedirected)},
	{Name: string(EventWithdraw), Src: append([]string{string(StateReceived), string(StateRegistered)}, beingWorked...), Dst: string(StateWithdrawn)},
	// join_incident and leave_incident keep the state, in any state of the
	// appeal being worked on: one event per source state, each a
	// self-transition. answer_incident answers from the same states.
	{Name: string(EventJoinIncident), Src: []string{string(StateAssigned)}, Dst: string(StateAssigned)},
	{Name: string(EventJoinIncident), Src: []string{string(StateInProgress)}, Dst: string(StateInProgress)},
	{Name: string(EventJoinIncident), Src: []string{string(StateClarification)}, Dst: string(StateClarification)},
	{Name: string(EventJoinIncident), Src: []string{string(StateOnApproval)}, Dst: string(StateOnApproval)},
	{Name: string(EventJoinIncident), Src: []string{string(StateReopened)}, Dst: string(StateReopened)},
	{Name: string(EventLeaveIncident), Src: []string{string(StateAssigned)}, Dst: string(StateAssigned)},
	{Name: string(EventLeaveIncident), Src: []string{string(StateInProgress)}, Dst: string(StateInProgress)},
	{Name: string(EventLeaveIncident), Src: []string{string(StateClarification)}, Dst: string(StateClarification)},
	{Name: string(EventLeaveIncident), Src: []string{string(StateOnApproval)}, Dst: string(StateOnApproval)},
	{Name: string(EventLeaveIncident), Src: []string{string(StateReopened)}, Dst: string(StateReopened)},
	{Name: string(EventAnswerIncident), Src: beingWorked, Dst: string(StateAnswered)},
}

// newMachine returns an FSM over the transition table, in state s.
func newMachine(s State) *fsm.FSM {
	return fsm.NewFSM(string(s), transitions, nil)
}

// Next returns the state an appeal in state s reaches by event e, and
// whether e is allowed in s at all.
func Next(s State, e Event) (State, bool) {
	m := newMachine(s)
	if !m.Can(string(e)) {
		return "", false
	}
	if err := m.Event(context.Background(), string(e)); err != nil {
		var noTransition fsm.NoTransitionError
		if errors.As(err, &noTransition) {
			return s, true
		}
		return "", false
	}
	return State(m.Current()), true
}

// AllowedEvents returns the events allowed in state s, in the order of
// Events().
func AllowedEvents(s State) []Event {
	m := newMachine(s)
	var out []Event
	for _, e := range Events() {
		if m.Can(string(e)) {
			out = append(out, e)
		}
	}
	return out
}
