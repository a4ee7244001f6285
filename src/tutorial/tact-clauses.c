/* tact-clauses.c: every clause of the workplace messaging policy digest, as
 * text an employee reads, grouped by theme for the policy tutorial.
 *
 * One row per requirement of the digest (ACC-1 … TRN-5), in digest order:
 * what the clause asks, restated in plain words, and why it exists. The
 * digest's implementation notes ("→ …") are left out: they say what the
 * client does, not what the employee must do. Rows and themes are static;
 * their strings are marked N_() and translated when read.
 */
#include "tutorial/tact-clauses.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _TactClause
{
  const char *id;       /* digest id, e.g. "PUB-1" */
  TactTheme   theme;
  const char *text;     /* untranslated */
  const char *why;      /* untranslated */
};

/* Digest order; the comment above each block names the digest's section. */
static const TactClause clauses[] = {
  /* ACC: accounts and identity */
  { "ACC-1", TACT_THEME_RECORDS,
    /* Translators: the tutorial shows each clause of the company's chat
     * policy as a rule followed by one sentence on why it exists. Address
     * the employee directly and keep the original regulations' terms
     * (商业秘密, 客户名单, 脱敏, 部门负责人审核, 涉密文件…). */
    N_("Handle company business only through the work account the company assigned to you, "
       "never through a personal account."),
    N_("Work done in personal accounts escapes the company's records and protection, and leaves "
       "with the person when they go.") },
  { "ACC-2", TACT_THEME_RECORDS,
    N_("Your work account is created for you by the company and tied to your HR record, your "
       "real name and your work e-mail."),
    N_("A verified real identity lets colleagues and customers know who they are talking to, and "
       "makes every message traceable to a person.") },
  { "ACC-3", TACT_THEME_RECORDS,
    N_("Never lend your account to anyone or tell anyone your password; use a strong password "
       "and change it regularly."),
    N_("Whoever has your password can read your work chats and send messages in your name, and "
       "you answer for what they do.") },
  { "ACC-4", TACT_THEME_RECORDS,
    N_("Watch for signs that your account has been stolen, such as log-ins you do not "
       "recognise, and report them at once."),
    N_("A stolen account opens every chat you are in; reporting it quickly lets the company lock "
       "it before anything leaks.") },
  { "ACC-5", TACT_THEME_RECORDS,
    N_("When you leave or change jobs, your work data is backed up and your account is handed "
       "over or closed; after that you may no longer use it."),
    N_("Customers and projects stay with the company, and a former employee must not keep "
       "access to its conversations.") },
  { "ACC-6", TACT_THEME_RECORDS,
    N_("Do not sign in on networks you cannot trust, such as public Wi-Fi or unknown hotspots; "
       "if it cannot be avoided, use a VPN."),
    N_("Strangers on an open network can watch or tamper with your traffic and steal your "
       "log-in.") },

  /* PUB: what may be said */
  { "PUB-1", TACT_THEME_SECRETS,
    N_("Do not share trade secrets, technical secrets, customer information, financial data, "
       "unreleased R&D plans, market strategy, customer lists or intellectual property over "
       "chat."),
    N_("Chat messages are easily copied, forwarded and leaked, and a single leak can cost the "
       "company customers, contracts and its lead over competitors.") },
  { "PUB-2", TACT_THEME_SECRETS,
    N_("If such information really must be shared, encrypt it or redact the sensitive details "
       "first, and make sure the recipient is cleared to see it."),
    N_("An encrypted or redacted message that goes astray reveals nothing, and checking the "
       "recipient keeps secrets among the people entitled to them.") },
  { "PUB-3", TACT_THEME_GROUPS,
    N_("Information about the business, products and projects, and important decisions, may be "
       "published only after the responsible department has reviewed and approved it."),
    N_("An unchecked announcement may be wrong, premature or contradictory, and once it is out "
       "it cannot be taken back.") },
  { "PUB-4", TACT_THEME_GROUPS,
    N_("Important messages, notices and announcements to internal groups must be reviewed by "
       "your department head before you post them."),
    N_("A message to a group reaches many people at once, so a mistake spreads instantly; a "
       "second reader catches errors and confidential details first.") },
  { "PUB-5", TACT_THEME_GROUPS,
    N_("Do not spread rumours, false or misleading information, or negative comments about the "
       "company or colleagues."),
    N_("Rumours travel fast in chat, damage the reputation of colleagues and the company, and can "
       "lead to disciplinary action or legal disputes.") },
  { "PUB-6", TACT_THEME_GROUPS,
    N_("Use civil language: no insults, personal attacks or vulgarity."),
    N_("Insults hurt colleagues and customers, damage teamwork, and stay in the chat record as "
       "evidence in any complaint.") },
  { "PUB-7", TACT_THEME_GROUPS,
    N_("Keep work groups for work: no ads, entertainment or chit-chat."),
    N_("Unrelated posts bury important messages, so people miss what they need to act on.") },
  { "PUB-8", TACT_THEME_SECRETS,
    N_("Do not forward other people's chat records or personal information without their "
       "consent."),
    N_("People wrote to you, not to everyone; forwarding without consent breaks their trust and "
       "can breach personal information protection law.") },
  { "PUB-9", TACT_THEME_GROUPS,
    N_("Do not flood chats: keep everyday communication to one-to-one chats or small groups, "
       "and send announcements at suitable times."),
    N_("A stream of messages to a large group interrupts everyone and makes real announcements "
       "easy to miss.") },
  { "PUB-10", TACT_THEME_OUTSIDERS,
    N_("Do not make promises to customers that the company has not approved."),
    N_("A promise made in chat can bind the company, and it becomes evidence in a dispute if it "
       "is not kept.") },
  { "PUB-11", TACT_THEME_OUTSIDERS,
    N_("Have marketing content reviewed by the marketing department before you send it; do not "
       "exaggerate or advertise falsely, and do not pester customers with frequent ads."),
    N_("False advertising breaks advertising law and can bring fines, and customers who are "
       "pestered with ads stop listening.") },

  /* EXT: external people */
  { "EXT-1", TACT_THEME_OUTSIDERS,
    N_("Be professional with people from outside the company, and disclose nothing "
       "confidential to them without authorisation."),
    N_("Whatever reaches someone outside the company is out of the company's control for "
       "good.") },
  { "EXT-2", TACT_THEME_OUTSIDERS,
    N_("Prepare important information for people outside the company in advance, and have "
       "your department head review it before you send it."),
    N_("What you tell customers and partners speaks for the company and may be relied on, so it "
       "must be accurate and approved.") },
  { "EXT-3", TACT_THEME_SECRETS,
    N_("Never pass customer information to third parties."),
    N_("Customers trusted the company with their data; passing it on betrays that trust and "
       "breaks the law on personal information.") },
  { "EXT-4", TACT_THEME_OUTSIDERS,
    N_("Do not open unknown links or download files whose origin you do not know."),
    N_("Links and files from unknown sources are the usual way phishing and malware get into "
       "company computers.") },

  /* FILE: attachments */
  { "FILE-1", TACT_THEME_FILES,
    N_("Do not send confidential files over chat; use the designated secure channel, such as "
       "internal e-mail or the encrypted drive."),
    N_("A chat attachment is copied to every device in the conversation and can be forwarded "
       "with one tap, beyond anyone's control.") },
  { "FILE-2", TACT_THEME_FILES,
    N_("Encrypt important files, and tell the recipient what the file is, what it is for and "
       "how confidential it is."),
    N_("Encryption protects a file that goes astray, and a recipient who knows how confidential "
       "it is can handle it properly.") },
  { "FILE-3", TACT_THEME_FILES,
    N_("Store information according to the company's classification levels, such as public, "
       "internal, secret, confidential and top secret."),
    N_("The level tells everyone who may see the information and how to protect it, so nothing "
       "sensitive is left where anyone can read it.") },
  { "FILE-4", TACT_THEME_FILES,
    N_("Check the files you receive and archive them properly; report anything unusual."),
    N_("An archived file can be found when it is needed, and an odd file reported early can "
       "stop a virus or a leak.") },

  /* GRP: groups */
  { "GRP-1", TACT_THEME_GROUPS,
    N_("To create a work group, apply with its name, purpose and intended members and get your "
       "department head's approval; do not create groups unrelated to work."),
    N_("Approved groups have a clear purpose and the right members, so company information does "
       "not end up scattered across unmanaged chats.") },
  { "GRP-2", TACT_THEME_GROUPS,
    N_("Add to a group only the people the work concerns; do not invite anyone unrelated."),
    N_("Everyone in a group can read everything posted in it, so each extra member is one more "
       "person who can see or leak it.") },
  { "GRP-3", TACT_THEME_GROUPS,
    N_("Every group has a named owner who is responsible for it: the owner keeps order, clears "
       "unrelated content and reminds members about confidentiality."),
    N_("A group nobody answers for drifts into clutter and oversharing; an owner keeps it useful "
       "and safe.") },

  /* REC: records, retention, backup */
  { "REC-1", TACT_THEME_RECORDS,
    N_("Work chat records are kept so that they can be traced; records about secrets or "
       "important business are kept long-term and must not be deleted at will."),
    N_("Records show who said what and when, which the company needs to settle disputes, meet "
       "its legal duties and investigate leaks.") },
  { "REC-2", TACT_THEME_RECORDS,
    N_("Reading someone else's chat records requires an application and approval, and whoever "
       "reads them must keep what they read confidential."),
    N_("Chat records hold private and confidential matters, so access to them must itself be "
       "controlled and accountable.") },
  { "REC-3", TACT_THEME_RECORDS,
    N_("Work data is backed up regularly to a safe place and kept there for a set period."),
    N_("With backups, a lost phone, a broken computer or a deleted chat does not mean lost "
       "work.") },
  { "REC-4", TACT_THEME_RECORDS,
    N_("Do not privately export, copy or spread company data."),
    N_("Data copied out of the company's systems leaves their protection, and that is how most "
       "leaks begin.") },
  { "REC-5", TACT_THEME_RECORDS,
    N_("Clean up information once it has expired; secrets and customer data must be deleted so "
       "that they cannot be recovered."),
    N_("Data kept longer than needed can still leak, and the law limits how long customers' "
       "personal information may be kept.") },

  /* AUD: supervision */
  { "AUD-1", TACT_THEME_RECORDS,
    N_("A supervision group checks chat use regularly: accounts, what was published and how "
       "records are kept."),
    N_("Regular checks find problems before they turn into leaks, and show that the rules are "
       "really followed.") },
  { "AUD-2", TACT_THEME_RECORDS,
    N_("You may report violations of these rules, and people who report them are protected."),
    N_("Colleagues often see a problem first, and they speak up only if they know they will not "
       "suffer for it.") },
  { "AUD-3", TACT_THEME_RECORDS,
    N_("Violations are recorded, count in performance reviews and are sanctioned according to "
       "their severity: a reminder, a warning, a fine, demotion or dismissal."),
    N_("Clear, graded consequences show that the rules are meant seriously and apply to everyone "
       "alike.") },
  { "AUD-4", TACT_THEME_RECORDS,
    N_("Your own privacy is respected: personal data about you is collected only with your "
       "consent, and you may appeal."),
    N_("Supervision is there to protect the company's information, not to pry into employees' "
       "lives, and the law requires consent to collect personal data.") },

  /* TRN: training */
  { "TRN-1", TACT_THEME_RECORDS,
    N_("New employees are trained on these rules before they start using work chat."),
    N_("Knowing the rules before the first message prevents mistakes that cannot be undone once "
       "a message is sent.") },
  { "TRN-2", TACT_THEME_RECORDS,
    N_("Training is repeated periodically, and whenever the rules change."),
    N_("Rules and risks change, and what was learned once is forgotten without a refresher.") },
  { "TRN-3", TACT_THEME_RECORDS,
    N_("Some roles get their own courses: sales staff on marketing over chat, engineers on "
       "sending files securely."),
    N_("Each role meets its own risks: sales staff talk to customers every day, and engineers "
       "handle technical files.") },
  { "TRN-4", TACT_THEME_RECORDS,
    N_("Training uses real cases and shows how they could have been avoided."),
    N_("Real incidents show what a leak actually looks like, and they are remembered better "
       "than abstract rules.") },
  { "TRN-5", TACT_THEME_RECORDS,
    N_("You will receive security tips periodically and can take part in knowledge quizzes "
       "and competitions."),
    N_("Short, regular reminders and quizzes keep the rules in mind long after the first "
       "training.") },
};

typedef struct
{
  const char *title;    /* untranslated */
  const char *summary;  /* untranslated */
} ThemeInfo;

/* Indexed by TactTheme. */
static const ThemeInfo themes[TACT_N_THEMES] = {
  [TACT_THEME_SECRETS] = {
    /* Translators: title of a group of policy clauses in the tutorial. */
    N_("Secrets and Customer Data"),
    N_("What must never leave the company over chat, and how to share sensitive information "
       "safely when you have to.") },
  [TACT_THEME_OUTSIDERS] = {
    /* Translators: title of a group of policy clauses in the tutorial. */
    N_("People from Outside"),
    N_("How to deal with customers, partners and anyone else outside the company, and with "
       "what they send you.") },
  [TACT_THEME_FILES] = {
    /* Translators: title of a group of policy clauses in the tutorial
     * (files sent or received over chat). */
    N_("Files"),
    N_("Which files may be sent over chat, how to protect them, and what to do with the files "
       "you receive.") },
  [TACT_THEME_GROUPS] = {
    /* Translators: title of a group of policy clauses in the tutorial. */
    N_("Groups and Announcements"),
    N_("How work groups are created and run, and what may be posted in them, by whom and "
       "when.") },
  [TACT_THEME_RECORDS] = {
    /* Translators: title of a group of policy clauses in the tutorial. */
    N_("Records and Accounts"),
    N_("Your work account, how chat records are kept and supervised, and the training that "
       "comes with these rules.") },
};

const TactClause *
tact_clause_lookup (const char *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (clauses); i++)
    {
      if (strcmp (clauses[i].id, id) == 0)
        return &clauses[i];
    }
  return NULL;
}

const char *
tact_clause_get_id (const TactClause *clause)
{
  g_return_val_if_fail (clause != NULL, NULL);
  return clause->id;
}

TactTheme
tact_clause_get_theme (const TactClause *clause)
{
  g_return_val_if_fail (clause != NULL, TACT_THEME_SECRETS);
  return clause->theme;
}

const char *
tact_clause_get_text (const TactClause *clause)
{
  g_return_val_if_fail (clause != NULL, NULL);
  return g_dgettext (GETTEXT_PACKAGE, clause->text);
}

const char *
tact_clause_get_why (const TactClause *clause)
{
  g_return_val_if_fail (clause != NULL, NULL);
  return g_dgettext (GETTEXT_PACKAGE, clause->why);
}

TactTheme
tact_theme_for_clauses (const char * const *ids)
{
  if (ids == NULL)
    return TACT_THEME_SECRETS;

  for (guint i = 0; ids[i] != NULL; i++)
    {
      const TactClause *clause = tact_clause_lookup (ids[i]);

      if (clause != NULL)
        return clause->theme;
    }
  return TACT_THEME_SECRETS;
}

const char *
tact_theme_get_title (TactTheme theme)
{
  g_return_val_if_fail ((guint) theme < TACT_N_THEMES, NULL);
  return g_dgettext (GETTEXT_PACKAGE, themes[theme].title);
}

const char *
tact_theme_get_summary (TactTheme theme)
{
  g_return_val_if_fail ((guint) theme < TACT_N_THEMES, NULL);
  return g_dgettext (GETTEXT_PACKAGE, themes[theme].summary);
}

guint
tact_clauses_get_n (void)
{
  return G_N_ELEMENTS (clauses);
}

const TactClause *
tact_clauses_get_nth (guint i)
{
  g_return_val_if_fail (i < G_N_ELEMENTS (clauses), NULL);
  return &clauses[i];
}
