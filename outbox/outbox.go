// Package outbox holds the records of the outbox: a notification waiting
// to be sent, with what its sender needs to render it, or a message
// prepared in advance (Message, Prepared), and what became of one attempt
// to send it (Outcome). storage reads and writes
// them; delivery sends them; neither imports the other.
package outbox

import (
	"encoding/json"
	"time"

	"mcu/workflow"
)

// Message is a notification waiting in the outbox, with what its
// sender needs to render it: the appeal as it is now and, for a card, the
// card's message in that chat.
type Message struct {
	ID           int64
	ChatID       int64
	ThreadID     int
	Attempts     int
	CreatedAt    time.Time
	Notification workflow.Notification
	// Next: the chat had more messages queued behind this one when it was
	// claimed, to be claimed once this one is done.
	Next bool
	// Bulk: not a reply to somebody waiting for it (a card, a notice, an
	// announcement).
	Bulk bool
	// NeedsContext: a notification, whose appeal, card and chat are
	// loaded (LoadOutbox) before it is rendered.
	NeedsContext bool
	// Prepared is the content of a prepared message (nil for a
	// notification, rendered from the appeal when sent).
	Prepared *Prepared
	// Reply is what a handler answered (nil for anything else).
	Reply         *Reply
	Appeal        *workflow.Appeal // nil for a notification about no appeal
	CardMessageID int              // the appeal's card in ChatID; 0 when there is none
	// ChatDirection is the direction the chat is bound to ("" for triage
	// or a private chat).
	ChatDirection string

	// What a card shows besides the appeal (loaded for cards only, but for
	// DraftAttachments).
	History          []workflow.CardEvent  // the latest audit events, oldest first
	ExecutorName     string                // the name of Appeal.ExecutorID
	DraftAttachments []workflow.Attachment // evidence attached to the latest draft (also for the resident's answer)
	ContactName      string                // the citizen of an appeal from another channel
	Contact          string
	Similar          Similar // open appeals about the same problem in the same place
	// Incident is the incident of an incident's card (audience
	// incident_card), or the one an appeal's card is joined to (its card
	// then collapses into one line); nil for none.
	Incident *workflow.Incident
	// IncidentAppeals are the appeals an incident's card gathers, oldest
	// first.
	IncidentAppeals []IncidentAppeal
	// CardMediaIDs are the messages in ChatID that hold the appeal's
	// photos and location, sent with the card; a card sent anew replies
	// to them instead of sending them again.
	CardMediaIDs []int
	// Parts are the parts of this message done on earlier attempts, by
	// key: a retry skips them and resumes at the first part not done.
	Parts map[string]Part

	// CardListedIn is the list message that shows the appeal in ChatID
	// instead of a card (0 when none): the card waits until somebody asks
	// for it from the list.
	CardListedIn int
	// Backlog and Waiting are loaded for a group's new card only: the
	// Telegram messages the chat's queue holds (this one's included), and
	// the new cards waiting in it, this one first, which a chat that
	// cannot keep up gets as one list.
	Backlog int
	Waiting []Waiting
}

// Similar is what a card says of the open appeals similar to its own: the
// most similar one's number and address, and how many there are (0:
// none). render.Similar has the same fields.
type Similar struct {
	Number  string
	Address string
	Count   int
	// IncidentID, IncidentTitle and IncidentCount name the open incident
	// a similar appeal is joined to (0: none): the card offers to join it.
	IncidentID    int64
	IncidentTitle string
	IncidentCount int
}

// IncidentAppeal is an appeal as its incident's card lists it.
type IncidentAppeal struct {
	Number  string
	Address string
	State   workflow.State
}

// Waiting is a new card waiting in a chat's queue.
type Waiting struct {
	OutboxID int64
	Appeal   *workflow.Appeal
}

// Part is what became of one part of a message (one Telegram message or
// album): the messages Telegram answered with, or why it was skipped.
type Part struct {
	IDs     []int  `json:"ids,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// Done is a claimed message and what became of it, to be recorded.
type Done struct {
	Message Message
	Outcome Outcome
}

// Outcome is what became of one attempt to send an outbox message.
type Outcome struct {
	// RetryAfter, when positive, keeps the message for another attempt
	// after that delay; the chat's later messages wait behind it.
	RetryAfter time.Duration
	// Deferred, with RetryAfter, puts the message back for that long
	// without counting an attempt or recording an error: the dispatcher
	// paced it (its chat may not send again so soon), Telegram did not
	// refuse it.
	Deferred bool
	// Failed gives the message up; the chat's later messages go on.
	Failed bool
	// Blocked says the recipient blocked the bot: the resident is marked
	// and nothing more is queued for them.
	Blocked bool
	// CardMessageID, when set, is the message that now holds the card.
	CardMessageID int
	// CardMediaIDs are the messages holding the appeal's photos and
	// location in that chat, remembered with the card (or without one,
	// when Telegram refused the card); set only on a message done, so
	// that Message.CardMediaIDs stays the same on every attempt.
	CardMediaIDs []int
	// Parts are the parts done on this attempt, by key, recorded with the
	// message whatever the outcome (merged with those of earlier
	// attempts).
	Parts map[string]Part
	// MigratedTo, when set, is the supergroup the chat was upgraded to:
	// the chat's binding, cards and queue (this message included) move
	// there, and this message is tried again at once. MigratedAt is when
	// Telegram said so, for the staff actions' log.
	MigratedTo int64
	MigratedAt time.Time
	// Alert, when set, tells the admins about this chat, at most once
	// per chat and day.
	Alert *Alert
	// Listed, when set, says the chat's new cards went as one list
	// message: the outbox rows merged into it are done, their appeals
	// listed there.
	Listed *Listed
	// Err is what went wrong, recorded with the message.
	Err error
}

// Listed is a list message that took the place of new cards.
type Listed struct {
	MessageID int
	OutboxIDs []int64 // the rows merged, the claimed one included
	AppealIDs []int64
}

// Alert is a prepared message for the admins' private chats about a
// chat.
type Alert struct {
	Day     time.Time // the day of the alert: one per chat and day
	Admins  []int64   // the bootstrap admins, besides the staff with the admin role
	Message Prepared
}

// KindPrepared is the outbox kind of a Prepared message.
const KindPrepared = "prepared"

// Prepared is a message whose content is fixed when it is enqueued (a
// digest, a summary, a reminder, a report): it is sent as it is, with no
// appeal to render it from.
type Prepared struct {
	// File, when set, is sent first: a photo (with Caption) or a
	// document.
	File *File `json:"file,omitempty"`
	// Text follows the file, split at Telegram's limit; "" for none.
	Text string `json:"text,omitempty"`
	// Buttons are an inline keyboard under the text (or under the file
	// when there is no text).
	Buttons [][]Button `json:"buttons,omitempty"`
}

// File is a photo or a document of a prepared message.
type File struct {
	Kind    string `json:"kind"`              // FilePhoto or FileDocument
	Name    string `json:"name"`              // the document's file name (report-2026-11.xlsx)
	Caption string `json:"caption,omitempty"` // at most 1024 characters
	Data    []byte `json:"-"`                 // kept apart, in the outbox's file column
	// FileID, when set, sends a file Telegram already has (a photo a
	// staff member sent the bot) instead of Data.
	FileID string `json:"file_id,omitempty"`
}

// Kinds of files.
const (
	FilePhoto    = "photo"
	FileDocument = "document"
)

// Button is an inline button: its callback is "\f<Unique>|<Data>", as
// telebot routes it.
type Button struct {
	Text   string `json:"text"`
	Unique string `json:"unique"`
	Data   string `json:"data,omitempty"`
}

// Recipient is where a prepared message goes: the chat ChatID (a private
// chat is the user's id), or else the chat bound to Purpose (and
// Direction, for a direction's chat).
type Recipient struct {
	ChatID    int64
	Purpose   string // workflow.BindHead, BindTriage, BindDirection, ...
	Direction string
}

// KindReply is the outbox kind of a Reply.
const KindReply = "reply"

// Reply is what a handler answered in one chat while handling an update:
// its calls, made in order. It is enqueued in the update's transaction, so
// it goes out exactly when the update's effects commit, and before the
// bulk of the outbox (cards, summaries), since somebody is waiting for it.
type Reply struct {
	Calls []Call `json:"calls"`
}

// Call is one message of a reply: a new message, or an edit or deletion
// of one already in the chat.
type Call struct {
	// Edit, when set, is the message whose text and buttons this call
	// replaces (only its buttons when Text is ""); one Telegram can no
	// longer edit is sent anew instead.
	Edit int `json:"edit,omitempty"`
	// Delete, when set, is the message this call deletes.
	Delete int `json:"delete,omitempty"`
	// Text is the message's text; ParseMode its formatting ("" for plain,
	// or "HTML").
	Text      string `json:"text,omitempty"`
	ParseMode string `json:"parse_mode,omitempty"`
	// ReplyTo is the message a new message replies to.
	ReplyTo int `json:"reply_to,omitempty"`
	// Markup is the keyboard, as the Bot API's reply_markup (a telebot
	// ReplyMarkup in JSON); nil for none.
	Markup json.RawMessage `json:"markup,omitempty"`
}
