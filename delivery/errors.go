package delivery

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/internal/backoff"
	"mcu/internal/redact"
	"mcu/outbox"
	"mcu/render"
	"mcu/workflow"
)

// cannotEdit reports whether Telegram refuses to edit a message for good.
func cannotEdit(err error) bool {
	code, desc := TelegramError(err)
	return code == 400 && (errors.Is(err, tele.ErrCantEditMessage) ||
		strings.Contains(desc, "message to edit not found") ||
		strings.Contains(desc, "message can't be edited"))
}

// plainTelegramError is how telebot reports an API error it has no value
// for: a plain error "telegram: <description> (<code>)".
var plainTelegramError = regexp.MustCompile(`^telegram: (.*) \((\d{3})\)$`)

// TelegramError returns the error code and description of a Bot API
// error, whether telebot made it a *tele.Error or (for descriptions it
// does not know, such as «message to edit not found») a plain error; 0
// for other errors.
func TelegramError(err error) (int, string) {
	if err == nil {
		return 0, ""
	}
	var te *tele.Error
	if errors.As(err, &te) {
		return te.Code, te.Description
	}
	if m := plainTelegramError.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[2])
		return code, m[1]
	}
	return 0, ""
}

// failure turns a send error into an outcome: retry after Telegram's
// retry_after on 429, give up on a blocked bot or a bad request, retry
// other errors with backoff.
func (d *Dispatcher) failure(ctx context.Context, m outbox.Message, err error) outbox.Outcome {
	log := d.opts.Logger.With("outbox_id", m.ID, "chat", chatForLog(m.ChatID), "attempt", m.Attempts+1, "error", redact.URL(err))
	var paced errPaced
	if errors.As(err, &paced) {
		d.opts.Logger.DebugContext(ctx, "outbox: paced; the message waits for its chat's turn",
			"outbox_id", m.ID, "chat", chatForLog(m.ChatID), "after", paced.After)
		after := max(paced.After, 10*time.Millisecond)
		if d.kick != nil {
			// A little after the row's next_attempt_at, which is counted
			// from the commit.
			time.AfterFunc(after+20*time.Millisecond, d.kick)
		}
		return outbox.Outcome{RetryAfter: after, Deferred: true}
	}
	var flood tele.FloodError
	if errors.As(err, &flood) {
		after := time.Duration(flood.RetryAfter) * time.Second
		d.pace.flood(m.ChatID, after)
		log.WarnContext(ctx, "outbox: rate limited by telegram", "retry_after", after)
		return outbox.Outcome{RetryAfter: max(after, time.Second), Err: redact.URL(err)}
	}
	var migrated tele.GroupError
	if errors.As(err, &migrated) && migrated.MigratedTo != 0 {
		// The group became a supergroup: the chat's binding, cards and
		// queue, this message included, follow it there at once, from the
		// error itself rather than waiting for the migration update.
		log.WarnContext(ctx, "outbox: group was upgraded to a supergroup; moving the chat", "migrated_to", migrated.MigratedTo)
		return outbox.Outcome{MigratedTo: migrated.MigratedTo, MigratedAt: d.opts.Now(), Err: redact.URL(err)}
	}
	if errors.Is(err, errAllSkipped) {
		log.ErrorContext(ctx, "outbox: telegram refused every part of the message; giving up")
		return outbox.Outcome{Failed: true, Err: redact.URL(err)}
	}
	switch code, desc := TelegramError(err); code {
	case 403:
		// A resident (or a staff member in a private chat) who blocked the bot.
		blocked := m.Notification.Audience == workflow.AudienceResident || (m.Prepared != nil && m.ChatID > 0)
		if blocked {
			log.WarnContext(ctx, "outbox: chat blocked the bot; giving up")
			return outbox.Outcome{Blocked: true, Failed: true, Err: redact.URL(err)}
		}
		// A staff chat that removed the bot: the admins are told, once a
		// day, since nobody there will see anything more.
		log.ErrorContext(ctx, "outbox: a staff chat refuses the bot; giving up and alerting the admins")
		return outbox.Outcome{Failed: true, Err: redact.URL(err), Alert: &outbox.Alert{
			Day:     d.day(),
			Admins:  d.opts.Admins,
			Message: outbox.Prepared{Text: fmt.Sprintf(render.TextChatRefuses, m.ChatID, desc)},
		}}
	case 400:
		log.ErrorContext(ctx, "outbox: telegram refused the message; giving up")
		return outbox.Outcome{Failed: true, Err: redact.URL(err)}
	}
	delay := backoff.Exponential(m.Attempts, time.Second, d.opts.MaxBackoff)
	log.WarnContext(ctx, "outbox: send failed; will retry", "retry_in", delay)
	return outbox.Outcome{RetryAfter: delay, Err: redact.URL(err)}
}

// day is today's date in Location, as a UTC midnight (a date column).
func (d *Dispatcher) day() time.Time {
	y, mo, dd := d.opts.Now().In(d.opts.Location).Date()
	return time.Date(y, mo, dd, 0, 0, 0, 0, time.UTC)
}

// chatForLog is a chat as the log names it: a group by its id, a private
// chat — a person's Telegram id — only as "private" (the outbox_id beside
// it finds the chat in the database, for those allowed to look).
func chatForLog(id int64) any {
	if id > 0 {
		return "private"
	}
	return id
}
