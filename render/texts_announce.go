package render

import (
	"fmt"
	"strings"
	"time"
)

// News: a resident's choice to get the district's announcements.
const (
	// NewsVersion identifies the wording of the news question a resident
	// answered (kept with the answer).
	NewsVersion = "news-2026-11"

	TextNewsAsk      = "Получать новости района от МЦУ (объявления, отключения, важные события)? Это можно изменить в любой момент командой /news."
	BtnNewsYes       = "Получать новости района"
	BtnNewsNo        = "Не сейчас"
	TextNewsOn       = "Новости района включены. Отключить: /news или кнопка «Не присылать новости» под новостью."
	TextNewsOff      = "Новости района больше не будут приходить. Включить снова: /news."
	TextNewsAskAgain = "Сейчас новости района %s."
	TextNewsStateOn  = "приходят"
	TextNewsStateOff = "не приходят"
	BtnNewsTurnOn    = "Включить новости"
	BtnNewsTurnOff   = "Отключить новости"
	// BtnNewsStop is the button under every announcement a resident gets.
	BtnNewsStop = "Не присылать новости"
	// TextNewsStopped answers the press of BtnNewsStop.
	TextNewsStopped = "Новости больше не будут приходить."
)

// The press secretary's announcement dialog (/announce).
const (
	TextAnnouncePrivate   = "Объявления готовятся в личном чате с ботом: напишите /announce там."
	TextAnnounceAskText   = "Новое объявление для жителей района.\nОтправьте текст объявления (до 4096 символов). /cancel — отменить."
	TextAnnounceTooLong   = "Текст длиннее 4096 символов (%d). Сократите и отправьте снова."
	TextAnnounceEmpty     = "Нужен текст объявления."
	TextAnnounceAskPhoto  = "Прикрепите фото к объявлению или нажмите «Без фото». Текст до 1024 символов станет подписью к фото, длиннее — придёт сообщением после фото."
	BtnAnnounceNoPhoto    = "Без фото"
	TextAnnounceAudience  = "Кому отправить?"
	BtnAudienceAll        = "Всем, кто согласился на новости"
	BtnAudienceDirection  = "Писавшим по направлению"
	BtnAudienceIncident   = "Жителям инцидента"
	TextAnnounceIncident  = "Выберите инцидент (открытые за последние %d дн.; в скобках — обращений):"
	TextAnnounceNoInc     = "Открытых инцидентов за последние %d дн. нет. Кому отправить?"
	TextAnnounceDirection = "Выберите направление:"
	TextAnnounceDays      = "За сколько последних дней?"
	TextAnnounceWhen      = "Когда отправить?"
	BtnAnnounceNow        = "Сразу после согласования"
	BtnAnnounceLater      = "Указать время"
	TextAnnounceAskTime   = "Напишите дату и время отправки, например 05.12.2026 10:00 (время %s)."
	TextAnnounceBadTime   = "Не понял дату и время. Пример: 05.12.2026 10:00. Время должно быть в будущем."
	BtnAnnounceSubmit     = "На согласование"
	BtnAnnounceCancel     = "Отменить"
	TextAnnounceCancelled = "Объявление отменено."
	TextAnnounceSubmitted = "Объявление № %d отправлено на согласование."
	TextAnnounceNoLeader  = "Некому согласовать: нет руководителя МЦУ и администраторов."
	BtnAnnounceApprove    = "Согласовать"
	BtnAnnounceReturn     = "Вернуть с комментарием"
	TextAnnounceApproved  = "Объявление № %d согласовано."
	TextAnnounceDecided   = "Объявление уже рассмотрено."
	TextAnnouncePromptRet = "%s, напишите ответом на это сообщение, что исправить в объявлении № %d."
	TextAnnounceReturned  = "Объявление № %d возвращено."
	TextAnnounceReturnFor = "Объявление № %d возвращено на доработку.\nКомментарий: %s\nПодготовьте новое: /announce."
	TextAnnounceAudAll    = "все, кто согласился на новости"
	TextAnnounceAudDir    = "писавшие по направлению «%s» за %d дн."
	TextAnnounceAudInc    = "жители, писавшие по инциденту «%s» (без учёта согласия на новости)"
	TextAnnounceNow       = "сразу после согласования"
)

// The official channel (/bind channel).
const (
	TextBoundChannel  = "Канал назначен для публикации объявлений МЦУ."
	TextChannelTarget = "канал объявлений"
)

// AnnouncementDays are the spans offered for the audience of a direction.
var AnnouncementDays = []int{7, 30, 90}

// AnnounceIncidentButton is an incident offered as an announcement's
// audience: its title, shortened, and how many appeals it gathers.
func AnnounceIncidentButton(title string, appeals int) string {
	return fmt.Sprintf("%s (%d)", Shorten(title, 48), appeals)
}

// AnnouncementSummary is the draft as it goes for approval: number (0
// before it has one), audience, time, text.
func AnnouncementSummary(id int64, audience, when string, photo bool, text string) string {
	var b strings.Builder
	if id > 0 {
		fmt.Fprintf(&b, "Объявление № %d\n", id)
	} else {
		b.WriteString("Объявление\n")
	}
	fmt.Fprintf(&b, "Кому: %s\nКогда: %s\n", audience, when)
	if photo {
		b.WriteString("С фото\n")
	}
	fmt.Fprintf(&b, "\n%s", text)
	return clip(b.String(), 4096)
}

// AnnouncementForApproval is what the leader or an admin sees.
func AnnouncementForApproval(id int64, author, audience, when string, photo bool, text string) string {
	return clip(fmt.Sprintf("На согласование от %s:\n", author)+AnnouncementSummary(id, audience, when, photo, text), 4096)
}

// AnnouncementProgress is the progress of an announcement's sending, as
// the press secretary's message shows it (edited in place).
func AnnouncementProgress(id int64, sent, total, failed int, done bool) string {
	if total == 0 && done {
		return fmt.Sprintf("Объявление № %d: получателей нет.", id)
	}
	s := fmt.Sprintf("Объявление № %d: отправлено %s из %s, не доставлено %s", id, Thousands(sent), Thousands(total), Thousands(failed))
	if done {
		return s + ".\nРассылка завершена."
	}
	return s + "."
}

// AnnouncementWaiting is the press secretary's message before the send
// time.
func AnnouncementWaiting(id int64, at time.Time, loc *time.Location) string {
	return fmt.Sprintf("Объявление № %d согласовано и будет отправлено %s.", id, at.In(loc).Format("02.01.2006 15:04"))
}

// Thousands writes n with a space between thousands: 3 100, 12.
func Thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
