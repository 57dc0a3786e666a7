//! Paging of list results: 1-based page numbers, bounded page size.

use crate::codes;
use crate::error::FieldError;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub page_size: u32,
}

impl PageRequest {
    pub fn new(page: Option<u32>, page_size: Option<u32>) -> Result<Self, FieldError> {
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page == 0 {
            return Err(FieldError::new("page", codes::PAGE_NUMBER));
        }
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(FieldError::with("page_size", codes::PAGE_SIZE, MAX_PAGE_SIZE));
        }
        Ok(Self { page, page_size })
    }
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.page_size)
    }
    /// The number of pages for `total` items (at least one, which may be empty).
    pub fn total_pages(&self, total: u64) -> u64 {
        total.div_ceil(u64::from(self.page_size)).max(1)
    }
    /// A page past the last one is an error naming the last page, not an empty list.
    pub fn check_within(&self, total: u64) -> Result<(), FieldError> {
        let last = self.total_pages(total);
        if u64::from(self.page) > last {
            return Err(FieldError::with("page", codes::PAGE_PAST_END, last));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_past_the_end_name_the_last_page() {
        let p = PageRequest::new(Some(3), Some(10)).unwrap();
        assert!(p.check_within(21).is_ok());
        assert_eq!(p.check_within(20).unwrap_err(), FieldError::with("page", codes::PAGE_PAST_END, 2));
        assert!(PageRequest::new(Some(1), None).unwrap().check_within(0).is_ok());
        assert_eq!(PageRequest::new(Some(0), None).unwrap_err().code, codes::PAGE_NUMBER);
        assert_eq!(PageRequest::new(None, Some(501)).unwrap_err().code, codes::PAGE_SIZE);
    }
}
