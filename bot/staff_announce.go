package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
	"mcu/render"
	"mcu/tgstate"
	"mcu/workflow"
)

// AnnouncementStore keeps announcements and the residents' news choice
// (storage.DB implements it; see docs/announcements.md).
type AnnouncementStore interface {
	SetNews(ctx context.Context, userID int64, on bool, version string, at time.Time) (bool, error)
	FindNews(ctx context.Context, userID int64) (bool, error)
	CreateAnnouncement(ctx context.Context, a *workflow.Announcement, role workflow.Role, at time.Time) (int64, error)
	FindAnnouncement(ctx context.Context, id int64) (*workflow.Announcement, error)
	DecideAnnouncement(ctx context.Context, id int64, status string, by int64, role workflow.Role, comment string, at time.Time) (bool, error)
	SetAnnouncementProgress(ctx context.Context, id, row, edit int64, text string, at time.Time) error
	OutboxPending(ctx context.Context, id int64) (bool, error)
	FindApprovedAnnouncements(ctx context.Context) ([]*workflow.Announcement, error)
	QueueAnnouncementBatch(ctx context.Context, a *workflow.Announcement, p outbox.Prepared, since, at time.Time, limit int) (int, bool, error)
	AnnouncementCounts(ctx context.Context, id int64) (sent, failed int, err error)
	FinishAnnouncement(ctx context.Context, id int64, details string, at time.Time) (bool, error)
	FindStaff(ctx context.Context) ([]workflow.StaffMember, error)
	// FindAnnounceIncidents returns the open incidents made since since,
	// newest first, at most limit: an announcement's audiences.
	FindAnnounceIncidents(ctx context.Context, since time.Time, limit int) ([]workflow.IncidentCount, error)
}

// Dialog kinds of announcements: the press secretary's draft (in the
// private chat with the bot) and the approver's comment when returning one.
const (
	dialogAnnounce       = "announce"
	dialogAnnounceReturn = "announce_return"
)

// Buttons of the announcement dialog and of its approval.
const (
	uniqueAnnNoPhoto  = "a_nophoto"
	uniqueAnnAudience = "a_aud"
	uniqueAnnDir      = "a_dir"
	uniqueAnnDays     = "a_days"
	uniqueAnnIncident = "a_inc"
	uniqueAnnWhen     = "a_when"
	uniqueAnnSubmit   = "a_sub"
	uniqueAnnCancel   = "a_cancel"
	uniqueAnnApprove  = "a_ok"
	uniqueAnnReturn   = "a_ret"
)

// maxAnnouncement is Telegram's limit of a message's text.
const maxAnnouncement = 4096

// announceData is the draft in the dialog, or the announcement a return
// comment is for.
type announceData struct {
	Text      string    `json:"text,omitempty"`
	Photo     string    `json:"photo,omitempty"`
	Audience  string    `json:"audience,omitempty"`
	Direction string    `json:"direction,omitempty"`
	Days      int       `json:"days,omitempty"`
	Incident  int64     `json:"incident,omitempty"`
	SendAt    time.Time `json:"send_at,omitzero"`
	ID        int64     `json:"id,omitempty"`
	PromptRow int64     `json:"prompt_row,omitempty"`
}

// staffDialogFirst lets the staff side take a private chat's message that
// belongs to an announcement dialog, before the resident side does.
func (b *Bot) staffDialogFirst(h tele.HandlerFunc) tele.HandlerFunc {
	return func(c tele.Context) error {
		d, err := b.findDialog(contextOf(c), c)
		if err != nil {
			return err
		}
		if d != nil && (d.Kind == dialogAnnounce || d.Kind == dialogAnnounceReturn) {
			return errPass
		}
		return h(c)
	}
}

// onAnnounce starts an announcement: press secretaries and admins, in
// the private chat with the bot.
func (b *Bot) onAnnounce(c tele.Context) error {
	ctx := contextOf(c)
	grants, err := b.grants(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	if _, ok := workflow.MayAnnounce(grants); !ok {
		return refuse(c)
	}
	if c.Chat().Type != tele.ChatPrivate {
		return reply(c, render.TextAnnouncePrivate)
	}
	if err := b.saveDialog(ctx, c, dialogAnnounce, "text", announceData{}); err != nil {
		return err
	}
	return c.Send(render.TextAnnounceAskText)
}

// onAnnounceInput takes a message in a private chat for the announcement
// dialogs: the text, the send time, or a return comment.
func (b *Bot) onAnnounceInput(c tele.Context) error {
	ctx := contextOf(c)
	d, err := b.findDialog(ctx, c)
	if err != nil || d == nil {
		return err
	}
	switch d.Kind {
	case dialogAnnounceReturn:
		return b.announceReturnReply(c, d)
	case dialogAnnounce:
	default:
		return nil
	}
	var data announceData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return fmt.Errorf("decode announcement dialog: %w", err)
	}
	msg := c.Message()
	text := strings.TrimSpace(msg.Text)
	switch d.State {
	case "text":
		if msg.Photo != nil {
			// A photo with its caption: both at once.
			text = strings.TrimSpace(msg.Caption)
		}
		if text == "" {
			return c.Send(render.TextAnnounceEmpty)
		}
		if n := utf8.RuneCountInString(text); n > maxAnnouncement {
			return c.Send(fmt.Sprintf(render.TextAnnounceTooLong, n))
		}
		data.Text = text
		if msg.Photo != nil {
			data.Photo = msg.Photo.FileID
			return b.announceAudience(c, data)
		}
		if err := b.saveDialog(ctx, c, dialogAnnounce, "photo", data); err != nil {
			return err
		}
		m := &tele.ReplyMarkup{}
		m.Inline(m.Row(m.Data(render.BtnAnnounceNoPhoto, uniqueAnnNoPhoto)))
		return c.Send(render.TextAnnounceAskPhoto, m)
	case "photo":
		if msg.Photo == nil {
			return c.Send(render.TextAnnounceAskPhoto)
		}
		data.Photo = msg.Photo.FileID
		return b.announceAudience(c, data)
	case "time":
		at, err := time.ParseInLocation("02.01.2006 15:04", text, b.opts.Location)
		if err != nil || !at.After(b.now()) {
			return c.Send(render.TextAnnounceBadTime)
		}
		data.SendAt = at
		return b.announceSummary(c, data)
	}
	return nil
}

// announceAudience asks for the audience.
func (b *Bot) announceAudience(c tele.Context, data announceData) error {
	return b.askAudience(c, data, render.TextAnnounceAudience)
}

// askAudience asks for the audience with text.
func (b *Bot) askAudience(c tele.Context, data announceData, text string) error {
	if err := b.saveDialog(contextOf(c), c, dialogAnnounce, "audience", data); err != nil {
		return err
	}
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnAudienceAll, uniqueAnnAudience, workflow.AnnounceAll)),
		m.Row(m.Data(render.BtnAudienceDirection, uniqueAnnAudience, workflow.AnnounceDirection)),
		m.Row(m.Data(render.BtnAudienceIncident, uniqueAnnAudience, workflow.AnnounceIncident)))
	if c.Callback() != nil {
		return c.Edit(text, m)
	}
	return c.Send(text, m)
}

// announceIncidents are the incidents an announcement may go to now.
func (b *Bot) announceIncidents(ctx context.Context) ([]workflow.IncidentCount, error) {
	since := b.now().AddDate(0, 0, -workflow.AnnounceIncidentDays)
	return b.opts.Store.FindAnnounceIncidents(ctx, since, workflow.AnnounceIncidentsShown)
}

// onAnnouncePress answers the buttons of the dialog: audience, direction,
// days, when, submit and cancel.
func (b *Bot) onAnnouncePress(step string) tele.HandlerFunc {
	return func(c tele.Context) error {
		ctx := contextOf(c)
		d, data, err := dialogOfKind[announceData](b, c, dialogAnnounce)
		if err != nil {
			return err
		}
		if d == nil {
			return respond(c, render.TextStale)
		}
		arg := c.Callback().Data
		if err := respond(c, ""); err != nil {
			return err
		}
		switch {
		case step == uniqueAnnCancel:
			if err := b.opts.Store.DeleteDialog(ctx, d.UserID, d.ChatID); err != nil {
				return err
			}
			return c.Edit(render.TextAnnounceCancelled)
		case step == uniqueAnnNoPhoto && d.State == "photo":
			return b.announceAudience(c, data)
		case step == uniqueAnnAudience && d.State == "audience" && arg == workflow.AnnounceAll:
			data.Audience = workflow.AnnounceAll
			return b.announceWhen(c, data)
		case step == uniqueAnnAudience && d.State == "audience" && arg == workflow.AnnounceDirection:
			data.Audience = workflow.AnnounceDirection
			list, err := b.opts.Store.FindDirections(ctx)
			if err != nil {
				return err
			}
			m := &tele.ReplyMarkup{}
			var rows []tele.Row
			for _, dir := range list {
				rows = append(rows, m.Row(m.Data(dir.Name, uniqueAnnDir, dir.Code)))
			}
			m.Inline(rows...)
			if err := b.saveDialog(ctx, c, dialogAnnounce, "direction", data); err != nil {
				return err
			}
			return c.Edit(render.TextAnnounceDirection, m)
		case step == uniqueAnnAudience && d.State == "audience" && arg == workflow.AnnounceIncident:
			list, err := b.announceIncidents(ctx)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				return b.askAudience(c, data, fmt.Sprintf(render.TextAnnounceNoInc, workflow.AnnounceIncidentDays))
			}
			data.Audience = workflow.AnnounceIncident
			m := &tele.ReplyMarkup{}
			var rows []tele.Row
			for _, inc := range list {
				rows = append(rows, m.Row(m.Data(render.AnnounceIncidentButton(inc.Title, inc.Appeals), uniqueAnnIncident,
					strconv.FormatInt(inc.ID, 10))))
			}
			m.Inline(rows...)
			if err := b.saveDialog(ctx, c, dialogAnnounce, "incident", data); err != nil {
				return err
			}
			return c.Edit(fmt.Sprintf(render.TextAnnounceIncident, workflow.AnnounceIncidentDays), m)
		case step == uniqueAnnIncident && d.State == "incident":
			id, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				return nil
			}
			list, err := b.announceIncidents(ctx)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(list, func(i workflow.IncidentCount) bool { return i.ID == id }) {
				return b.askAudience(c, data, fmt.Sprintf(render.TextAnnounceNoInc, workflow.AnnounceIncidentDays))
			}
			data.Incident = id
			return b.announceWhen(c, data)
		case step == uniqueAnnDir && d.State == "direction":
			dirs, err := b.Directions(ctx)
			if err != nil {
				return err
			}
			if _, ok := dirs[arg]; !ok {
				return nil
			}
			data.Direction = arg
			m := &tele.ReplyMarkup{}
			var row tele.Row
			for _, n := range render.AnnouncementDays {
				row = append(row, m.Data(strconv.Itoa(n), uniqueAnnDays, strconv.Itoa(n)))
			}
			m.Inline(row)
			if err := b.saveDialog(ctx, c, dialogAnnounce, "days", data); err != nil {
				return err
			}
			return c.Edit(render.TextAnnounceDays, m)
		case step == uniqueAnnDays && d.State == "days":
			n, err := strconv.Atoi(arg)
			if err != nil || n <= 0 || n > 366 {
				return nil
			}
			data.Days = n
			return b.announceWhen(c, data)
		case step == uniqueAnnWhen && d.State == "when" && arg == "now":
			return b.announceSummary(c, data)
		case step == uniqueAnnWhen && d.State == "when" && arg == "later":
			if err := b.saveDialog(ctx, c, dialogAnnounce, "time", data); err != nil {
				return err
			}
			return c.Edit(fmt.Sprintf(render.TextAnnounceAskTime, b.opts.Location.String()))
		case step == uniqueAnnSubmit && d.State == "summary":
			return b.announceSubmit(c, d, data)
		}
		return nil
	}
}

// announceWhen asks when to send.
func (b *Bot) announceWhen(c tele.Context, data announceData) error {
	if err := b.saveDialog(contextOf(c), c, dialogAnnounce, "when", data); err != nil {
		return err
	}
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnAnnounceNow, uniqueAnnWhen, "now")), m.Row(m.Data(render.BtnAnnounceLater, uniqueAnnWhen, "later")))
	return c.Edit(render.TextAnnounceWhen, m)
}

// announceSummary shows the draft with «На согласование».
func (b *Bot) announceSummary(c tele.Context, data announceData) error {
	ctx := contextOf(c)
	if err := b.saveDialog(ctx, c, dialogAnnounce, "summary", data); err != nil {
		return err
	}
	aud, err := b.audienceText(ctx, data)
	if err != nil {
		return err
	}
	m := &tele.ReplyMarkup{}
	m.Inline(m.Row(m.Data(render.BtnAnnounceSubmit, uniqueAnnSubmit), m.Data(render.BtnAnnounceCancel, uniqueAnnCancel)))
	text := render.AnnouncementSummary(0, aud, b.whenText(data.SendAt), data.Photo != "", data.Text)
	if c.Callback() != nil {
		return c.Edit(text, m)
	}
	return c.Send(text, m)
}

// audienceText names a draft's audience in words.
func (b *Bot) audienceText(ctx context.Context, data announceData) (string, error) {
	switch data.Audience {
	case workflow.AnnounceDirection:
		dirs, err := b.Directions(ctx)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(render.TextAnnounceAudDir, render.DirectionName(data.Direction, dirs), data.Days), nil
	case workflow.AnnounceIncident:
		inc, err := b.opts.Store.FindIncident(ctx, data.Incident)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf(render.TextAnnounceAudInc, inc.Title), nil
	}
	return render.TextAnnounceAudAll, nil
}

// whenText names the send time.
func (b *Bot) whenText(at time.Time) string {
	if at.IsZero() {
		return render.TextAnnounceNow
	}
	return render.FormatDate(at, b.opts.Location) + " " + at.In(b.opts.Location).Format("15:04")
}

// announceSubmit stores the draft as an announcement waiting for
// approval and sends it to the leader's chat, or else to the admins in
// private.
func (b *Bot) announceSubmit(c tele.Context, d *tgstate.Dialog, data announceData) error {
	ctx := contextOf(c)
	grants, err := b.grants(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	role, ok := workflow.MayAnnounce(grants)
	if !ok {
		return refuse(c)
	}
	chats, err := b.approverChats(ctx)
	if err != nil {
		return err
	}
	if len(chats) == 0 {
		return c.Send(render.TextAnnounceNoLeader)
	}
	a := &workflow.Announcement{AuthorID: c.Sender().ID, Text: data.Text, Photo: data.Photo, Audience: data.Audience,
		Direction: data.Direction, Days: data.Days, IncidentID: data.Incident, SendAt: data.SendAt}
	id, err := b.opts.Store.CreateAnnouncement(ctx, a, role, b.now())
	if err != nil {
		return err
	}
	if err := b.opts.Store.DeleteDialog(ctx, d.UserID, d.ChatID); err != nil {
		return err
	}
	aud, err := b.audienceText(ctx, data)
	if err != nil {
		return err
	}
	m := &tele.ReplyMarkup{}
	idText := strconv.FormatInt(id, 10)
	m.Inline(m.Row(m.Data(render.BtnAnnounceApprove, uniqueAnnApprove, idText), m.Data(render.BtnAnnounceReturn, uniqueAnnReturn, idText)))
	text := render.AnnouncementForApproval(id, userName(c.Sender()), aud, b.whenText(data.SendAt), data.Photo != "", data.Text)
	for _, chat := range chats {
		if err := b.sendTo(c, &tele.Chat{ID: chat.ChatID}, text, &tele.SendOptions{ReplyMarkup: m, ThreadID: chat.ThreadID}); err != nil {
			return err
		}
	}
	b.logger.InfoContext(ctx, "announcement submitted", "announcement_id", id, "by", c.Sender().ID)
	return c.Edit(fmt.Sprintf(render.TextAnnounceSubmitted, id))
}

// approverChats are where an announcement goes for approval: the chat
// bound to leader, or else the admins' private chats.
func (b *Bot) approverChats(ctx context.Context) ([]workflow.Binding, error) {
	list, err := b.opts.Store.FindBindings(ctx)
	if err != nil {
		return nil, err
	}
	for _, bnd := range list {
		if bnd.Purpose == workflow.BindLeader {
			return []workflow.Binding{bnd}, nil
		}
	}
	seen := map[int64]bool{}
	var out []workflow.Binding
	for _, id := range b.opts.Service.Admins {
		if !seen[id] {
			seen[id] = true
			out = append(out, workflow.Binding{ChatID: id})
		}
	}
	staff, err := b.opts.Store.FindStaff(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range staff {
		if _, ok := workflow.MayApproveAnnouncement(s.Grants); ok && !seen[s.UserID] {
			seen[s.UserID] = true
			out = append(out, workflow.Binding{ChatID: s.UserID})
		}
	}
	return out, nil
}

// approver returns the role under which the presser may decide on an
// announcement; it answers «Недостаточно прав.» and returns false
// otherwise.
func (b *Bot) approver(c tele.Context) (workflow.Role, int64, bool, error) {
	ctx := contextOf(c)
	id, err := strconv.ParseInt(c.Callback().Data, 10, 64)
	if err != nil {
		return "", 0, false, respond(c, render.TextInvalid)
	}
	grants, err := b.grants(ctx, c.Sender().ID)
	if err != nil {
		return "", 0, false, err
	}
	role, ok := workflow.MayApproveAnnouncement(grants)
	if !ok {
		return "", 0, false, refuse(c)
	}
	return role, id, true, nil
}

// onAnnounceApprove approves an announcement: it is sent from then on (at
// its time), and its author gets the message that shows the progress.
func (b *Bot) onAnnounceApprove(c tele.Context) error {
	ctx := contextOf(c)
	role, id, ok, err := b.approver(c)
	if !ok {
		return err
	}
	decided, err := b.opts.Store.DecideAnnouncement(ctx, id, workflow.AnnouncementApproved, c.Sender().ID, role, "", b.now())
	if err != nil {
		return err
	}
	if !decided {
		return respond(c, render.TextAnnounceDecided)
	}
	a, err := b.opts.Store.FindAnnouncement(ctx, id)
	if err != nil {
		return err
	}
	text := render.AnnouncementProgress(id, 0, 0, 0, false)
	if !a.SendAt.IsZero() && a.SendAt.After(b.now()) {
		text = render.AnnouncementWaiting(id, a.SendAt, b.opts.Location)
	}
	row, err := b.sendTracked(c, &tele.Chat{ID: a.AuthorID}, text)
	if err != nil {
		return err
	}
	if err := b.opts.Store.SetAnnouncementProgress(ctx, id, row, 0, text, time.Time{}); err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "announcement approved", "announcement_id", id, "by", c.Sender().ID)
	if err := respond(c, fmt.Sprintf(render.TextAnnounceApproved, id)); err != nil {
		return err
	}
	b.dropButtons(c)
	return c.Send(fmt.Sprintf(render.TextAnnounceApproved, id))
}

// onAnnounceReturn asks the approver for the comment of a return, as a
// reply to a force-reply prompt.
func (b *Bot) onAnnounceReturn(c tele.Context) error {
	ctx := contextOf(c)
	_, id, ok, err := b.approver(c)
	if !ok {
		return err
	}
	a, err := b.opts.Store.FindAnnouncement(ctx, id)
	if err != nil {
		return respond(c, b.answer(ctx, err))
	}
	if a.Status != workflow.AnnouncementPending {
		return respond(c, render.TextAnnounceDecided)
	}
	row, err := b.sendPrompt(c, fmt.Sprintf(render.TextAnnouncePromptRet, mention(c.Sender()), id))
	if err != nil {
		return err
	}
	if err := b.saveDialog(ctx, c, dialogAnnounceReturn, "reply", announceData{ID: id, PromptRow: row}); err != nil {
		return err
	}
	return respond(c, "")
}

// announceReturnReply returns the announcement with the comment replied
// to the prompt, and tells its author.
func (b *Bot) announceReturnReply(c tele.Context, d *tgstate.Dialog) error {
	ctx := contextOf(c)
	var data announceData
	if err := json.Unmarshal(d.Data, &data); err != nil {
		return fmt.Errorf("decode announcement dialog: %w", err)
	}
	m := c.Message()
	if m.ReplyTo == nil {
		return nil
	}
	if ok, err := b.sentAs(ctx, data.PromptRow, m.ReplyTo.ID); err != nil || !ok {
		return err
	}
	comment := strings.TrimSpace(m.Text)
	if comment == "" {
		return reply(c, render.TextStaffReplyEmpty)
	}
	grants, err := b.grants(ctx, c.Sender().ID)
	if err != nil {
		return err
	}
	role, ok := workflow.MayApproveAnnouncement(grants)
	if !ok {
		return refuse(c)
	}
	if err := b.opts.Store.DeleteDialog(ctx, d.UserID, d.ChatID); err != nil {
		return err
	}
	decided, err := b.opts.Store.DecideAnnouncement(ctx, data.ID, workflow.AnnouncementReturned, c.Sender().ID, role, comment, b.now())
	if err != nil {
		return err
	}
	if !decided {
		return reply(c, render.TextAnnounceDecided)
	}
	a, err := b.opts.Store.FindAnnouncement(ctx, data.ID)
	if err != nil {
		return err
	}
	b.logger.InfoContext(ctx, "announcement returned", "announcement_id", data.ID, "by", c.Sender().ID)
	if err := b.sendTo(c, &tele.Chat{ID: a.AuthorID}, fmt.Sprintf(render.TextAnnounceReturnFor, data.ID, comment)); err != nil {
		return err
	}
	return reply(c, fmt.Sprintf(render.TextAnnounceReturned, data.ID))
}
