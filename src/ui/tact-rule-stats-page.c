/* tact-rule-stats-page.c: the Rule Statistics page. A read-only table of the session's per-rule
 * counts over the supervision room's records (tact_session_supervision_stats_async()): the
 * rule's title (from the profile in force; else its id) and id, hits, overrides, false-positive
 * reports and shadow hits. The session's order (most hits first) until a column heading is
 * clicked; Refresh (in the records window also F5 and Ctrl+R) counts again. */
#include <glib/gi18n-lib.h>

#include "tact-rule-stats-item.h"
#include "tact-rule-stats-page.h"

struct _TactRuleStatsPage
{
  AdwBin parent_instance;

  /* template children (borrowed) */
  GtkStack             *stack;
  AdwStatusPage        *status;
  GtkColumnView        *column_view;
  GtkColumnViewColumn  *rule_column;
  GtkColumnViewColumn  *hits_column;
  GtkColumnViewColumn  *overrides_column;
  GtkColumnViewColumn  *false_positives_column;
  GtkColumnViewColumn  *shadow_hits_column;

  /* owned */
  TactSession  *session;
  GListStore   *rows;          /* element-type TactRuleStatsItem, in the session's order */
  GCancellable *cancellable;   /* the read in flight */
};

G_DEFINE_FINAL_TYPE (TactRuleStatsPage, tact_rule_stats_page, ADW_TYPE_BIN)

/* A count of a row: field is the count's offset in TactAuditRuleStats. */
static guint
count_of (gpointer item, gsize field)
{
  const TactAuditRuleStats *stats = tact_rule_stats_item_get_stats (item);

  return G_STRUCT_MEMBER (guint, stats, field);
}

static const char *
name_of (gpointer item)
{
  const TactAuditRuleStats *stats = tact_rule_stats_item_get_stats (item);

  return stats->title ? stats->title : stats->rule_id;
}

/* ---- Reading the counts --------------------------------------------------------------- */

static void
show_status (TactRuleStatsPage *self, const char *title, const char *description)
{
  adw_status_page_set_title (self->status, title);
  adw_status_page_set_description (self->status, description);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
show_empty (TactRuleStatsPage *self)
{
  show_status (self, _("No Rule Statistics"),
               _("No record in the supervision room names a rule yet."));
}

void
tact_rule_stats_page_show_stats (TactRuleStatsPage *self, GPtrArray *rows)
{
  g_return_if_fail (TACT_IS_RULE_STATS_PAGE (self));

  g_list_store_remove_all (self->rows);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      g_autoptr(TactRuleStatsItem) item = tact_rule_stats_item_new (g_ptr_array_index (rows, i));
      g_list_store_append (self->rows, item);
    }
  if (rows && rows->len > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else
    show_empty (self);
}

static void
stats_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TactRuleStatsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tact_session_supervision_stats_finish (TACT_SESSION (source), result, &error);

  if (!rows)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_status (self, _("The Supervision Room Could Not Be Read"), error->message);
      return;
    }
  g_clear_object (&self->cancellable);
  tact_rule_stats_page_show_stats (self, rows);
}

void
tact_rule_stats_page_reload (TactRuleStatsPage *self)
{
  g_return_if_fail (TACT_IS_RULE_STATS_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (!self->session)
    {
      tact_rule_stats_page_show_stats (self, NULL);
      return;
    }
  self->cancellable = g_cancellable_new ();
  tact_session_supervision_stats_async (self->session, self->cancellable, stats_cb, g_object_ref (self));
}

static void
refresh_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  tact_rule_stats_page_reload (TACT_RULE_STATS_PAGE (widget));
}

void
tact_rule_stats_page_set_session (TactRuleStatsPage *self, TactSession *session)
{
  g_return_if_fail (TACT_IS_RULE_STATS_PAGE (self));
  g_return_if_fail (session == NULL || TACT_IS_SESSION (session));

  if (!g_set_object (&self->session, session))
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  tact_rule_stats_page_show_stats (self, NULL);   /* another account's room */
}

/* ---- The table ---------------------------------------------------------------------- */

static void
rule_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *id = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_xalign (GTK_LABEL (id), 0);
  gtk_label_set_selectable (GTK_LABEL (id), FALSE);
  gtk_widget_add_css_class (id, "caption");
  gtk_widget_add_css_class (id, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), id);
  gtk_list_item_set_child (item, box);
  gtk_list_item_set_activatable (item, FALSE);
}

/* The title (or the id when the profile in force has no such rule) and, under a title, the id. */
static void
rule_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  const TactAuditRuleStats *stats = tact_rule_stats_item_get_stats (gtk_list_item_get_item (item));
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *id = gtk_widget_get_next_sibling (title);

  gtk_label_set_text (GTK_LABEL (title), name_of (gtk_list_item_get_item (item)));
  gtk_label_set_text (GTK_LABEL (id), stats->rule_id);
  gtk_widget_set_visible (id, stats->title != NULL);
}

static void
count_setup_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
count_bind_cb (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer field)
{
  g_autofree char *text = g_strdup_printf ("%u", count_of (gtk_list_item_get_item (item), GPOINTER_TO_SIZE (field)));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static int
compare_names (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return g_utf8_collate (name_of ((gpointer) a), name_of ((gpointer) b));
}

static int
compare_counts (gconstpointer a, gconstpointer b, gpointer field)
{
  guint x = count_of ((gpointer) a, GPOINTER_TO_SIZE (field));
  guint y = count_of ((gpointer) b, GPOINTER_TO_SIZE (field));

  return x < y ? -1 : x > y ? 1 : 0;
}

static void
set_up_column (GtkColumnViewColumn *column, GCallback setup, GCallback bind, GCompareDataFunc compare,
               gsize field)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkSorter) sorter = GTK_SORTER (gtk_custom_sorter_new (compare, GSIZE_TO_POINTER (field), NULL));

  g_signal_connect (factory, "setup", setup, NULL);
  g_signal_connect (factory, "bind", bind, GSIZE_TO_POINTER (field));
  gtk_column_view_column_set_factory (column, factory);
  gtk_column_view_column_set_sorter (column, sorter);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
tact_rule_stats_page_dispose (GObject *object)
{
  TactRuleStatsPage *self = TACT_RULE_STATS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TACT_TYPE_RULE_STATS_PAGE);
  g_clear_object (&self->rows);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tact_rule_stats_page_parent_class)->dispose (object);
}

static void
tact_rule_stats_page_class_init (TactRuleStatsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tact_rule_stats_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tactchat/Tact/tact-rule-stats-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, status);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, rule_column);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, hits_column);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, overrides_column);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, false_positives_column);
  gtk_widget_class_bind_template_child (widget_class, TactRuleStatsPage, shadow_hits_column);
  gtk_widget_class_install_action (widget_class, "rule-stats.refresh", NULL, refresh_action);
}

static void
tact_rule_stats_page_init (TactRuleStatsPage *self)
{
  g_autoptr(GtkSortListModel) sorted = NULL;
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_list_store_new (TACT_TYPE_RULE_STATS_ITEM);

  set_up_column (self->rule_column, G_CALLBACK (rule_setup_cb), G_CALLBACK (rule_bind_cb),
                 compare_names, 0);
  set_up_column (self->hits_column, G_CALLBACK (count_setup_cb), G_CALLBACK (count_bind_cb),
                 compare_counts, G_STRUCT_OFFSET (TactAuditRuleStats, hits));
  set_up_column (self->overrides_column, G_CALLBACK (count_setup_cb), G_CALLBACK (count_bind_cb),
                 compare_counts, G_STRUCT_OFFSET (TactAuditRuleStats, overrides));
  set_up_column (self->false_positives_column, G_CALLBACK (count_setup_cb), G_CALLBACK (count_bind_cb),
                 compare_counts, G_STRUCT_OFFSET (TactAuditRuleStats, false_positives));
  set_up_column (self->shadow_hits_column, G_CALLBACK (count_setup_cb), G_CALLBACK (count_bind_cb),
                 compare_counts, G_STRUCT_OFFSET (TactAuditRuleStats, shadow_hits));

  /* The session's order until a heading is clicked (the column view's sorter sorts nothing
   * until then). */
  sorted = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->rows)),
                                    g_object_ref (gtk_column_view_get_sorter (self->column_view)));
  selection = gtk_no_selection_new (G_LIST_MODEL (g_steal_pointer (&sorted)));
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (selection));
  show_empty (self);
}

GtkWidget *
tact_rule_stats_page_new (void)
{
  return g_object_new (TACT_TYPE_RULE_STATS_PAGE, NULL);
}
