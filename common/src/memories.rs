//! "On this day" (#20), once a day: each person with photos taken on today's month and day in
//! earlier years, in albums they may see, gets one feed item and notification saying so ("3
//! photos from 2019 and 2023"). The worker's `announce-memories` job runs it; the database keeps
//! it to one per person and day however often, and however many processes, run it.
//!
//! The day is UTC for everyone: picup does not store a person's time zone (the web album sends
//! its own to `/memories`, which is what the item opens).

use crate::db::OnThisDay;
use crate::services::Services;

/// Announces `today`'s memories to everyone who has some and has not heard yet; tells their open
/// browsers. Returns how many people it announced to.
pub async fn announce(services: &Services, today: OnThisDay) -> anyhow::Result<u64> {
    let mut announced = Vec::new();
    for user in services.db.list_users().await? {
        if services.db.announce_memories(user.id, today).await? {
            announced.push(user.id);
        }
    }
    services.notifier.notify(&announced).await;
    if !announced.is_empty() {
        tracing::info!(day = %today.date(), people = announced.len(), "on this day announced");
    }
    Ok(announced.len() as u64)
}
