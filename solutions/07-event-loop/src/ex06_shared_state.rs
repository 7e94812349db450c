//! Exercise 07.6: "no need to manage access", and what that does not cover.
//!
//! Book: `book/src/ch07-event-loop/shared-state.md`. Tasks on one thread share a shop
//! through `Rc<RefCell<_>>` with no lock. But every `.await` is a point where another
//! task may run: a check before an await and an act after it can disagree.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Why an order failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderError {
    /// Not enough of the item left.
    OutOfStock,
    /// The price list has no price for the item.
    NoPrice,
}

/// A shop shared by the tasks of one thread.
#[derive(Debug, Default)]
pub struct Shop {
    /// Units left, by item.
    pub stock: RefCell<HashMap<String, u32>>,
    /// Prices, by item. An item without a price cannot be sold.
    pub prices: RefCell<HashMap<String, u32>>,
    /// How many price lookups have run, for tests.
    pub lookups: Cell<usize>,
}

impl Shop {
    /// A shop with `stock` and `prices`.
    pub fn new(stock: &[(&str, u32)], prices: &[(&str, u32)]) -> Rc<Shop> {
        let owned = |pairs: &[(&str, u32)]| {
            pairs
                .iter()
                .map(|(item, n)| (item.to_string(), *n))
                .collect::<HashMap<_, _>>()
        };
        Rc::new(Shop {
            stock: RefCell::new(owned(stock)),
            prices: RefCell::new(owned(prices)),
            lookups: Cell::new(0),
        })
    }

    /// Units of `item` left.
    pub fn left(&self, item: &str) -> u32 {
        self.stock.borrow().get(item).copied().unwrap_or(0)
    }
}

/// Gives the other tasks one turn: `Pending` once, after asking to be polled again.
#[derive(Debug, Default)]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Looks up the price of `n` units of `item`, as a remote price service would: the
/// answer comes after an await, and other tasks run meanwhile.
pub async fn price(shop: &Shop, item: &str, n: u32) -> Option<u32> {
    YieldNow::default().await;
    shop.lookups.set(shop.lookups.get() + 1);
    shop.prices.borrow().get(item).map(|unit| unit * n)
}

/// Sells `n` units of `item` and returns what they cost: the units leave the stock only
/// if there are enough of them *and* the item has a price.
pub async fn order(shop: Rc<Shop>, item: &str, n: u32) -> Result<u32, OrderError> {
    // Take the units first, in one borrow with no await inside: no other task can run
    // between the check and the act, so no one else can take them too.
    {
        let mut stock = shop.stock.borrow_mut();
        let left = stock.entry(item.to_string()).or_insert(0);
        if *left < n {
            return Err(OrderError::OutOfStock);
        }
        *left -= n;
    } // the borrow ends here, before the await: a borrow held across it would panic
    // the next task that borrows.
    match price(&shop, item, n).await {
        Some(total) => Ok(total),
        None => {
            // The sale fell through: put the units back for the next customer.
            *shop.stock.borrow_mut().entry(item.to_string()).or_insert(0) += n;
            Err(OrderError::NoPrice)
        }
    }
}
