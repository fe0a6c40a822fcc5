package workflow

import "time"

// Announcement is a message of the МЦУ to the district's residents (8-ФЗ):
// the press secretary drafts it, the leader or an admin approves it or
// returns it, and it is then sent to every resident of its audience who
// chose to get news.
type Announcement struct {
	ID       int64
	AuthorID int64
	Text     string
	// Photo is the Telegram file id of the announcement's photo ("" for
	// none).
	Photo string
	// Audience is AnnounceAll, AnnounceDirection (with Direction and
	// Days: the residents who wrote on that direction in the last Days)
	// or AnnounceIncident (with IncidentID: the residents of its appeals,
	// news or not).
	Audience   string
	Direction  string
	Days       int
	IncidentID int64
	SendAt     time.Time // zero: as soon as approved
	Status     string
	CreatedAt  time.Time
	DecidedBy  int64
	Comment    string
	// ProgressRow is the outbox row of the press secretary's message that
	// shows the progress (edited in place); ProgressAt when it was last
	// edited and ProgressText what it says.
	ProgressRow  int64
	ProgressAt   time.Time
	ProgressText string
	// ProgressEdit is the outbox row of the last edit of the progress
	// message; the next edit waits until it has gone.
	ProgressEdit int64
	// QueuedAfter is the last resident queued so far; QueuedAt is set
	// once every recipient is queued, Total of them.
	QueuedAfter int64
	QueuedAt    time.Time
	Total       int
}

// Audiences of an announcement.
const (
	AnnounceAll       = "all"
	AnnounceDirection = "direction"
	AnnounceIncident  = "incident"
)

// AnnounceIncidentDays is how far back the incidents offered as an
// announcement's audience were made: the open incidents of the last
// week.
const AnnounceIncidentDays = 7

// AnnounceIncidentsShown is how many of them the dialog offers, newest
// first.
const AnnounceIncidentsShown = 10

// States of an announcement.
const (
	AnnouncementPending  = "pending"  // waits for approval
	AnnouncementReturned = "returned" // returned with a comment
	AnnouncementApproved = "approved" // being sent (or waiting for its time)
	AnnouncementDone     = "done"     // every recipient's message sent or given up
)

// Events of an announcement's audit trail.
const (
	AnnounceEventSubmit  = "submit"
	AnnounceEventApprove = "approve"
	AnnounceEventReturn  = "return"
	AnnounceEventQueued  = "queued"
	AnnounceEventDone    = "done"
)

// MayAnnounce returns the role under which a staff member holding grants
// may draft announcements (press, or admin), and false when none.
func MayAnnounce(grants []Grant) (Role, bool) {
	return firstRole(grants, RolePress, RoleAdmin)
}

// MayApproveAnnouncement returns the role under which a staff member
// holding grants may approve or return an announcement (the МЦУ leader,
// or an admin), and false when none.
func MayApproveAnnouncement(grants []Grant) (Role, bool) {
	return firstRole(grants, RoleLeader, RoleAdmin)
}

// firstRole returns the first of roles held in grants.
func firstRole(grants []Grant, roles ...Role) (Role, bool) {
	for _, r := range roles {
		for _, g := range grants {
			if g.Role == r {
				return r, true
			}
		}
	}
	return "", false
}
