/** Word lists for realistic records; picked by a seeded RNG. */
export const COMPANY_FIRST = ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Cyberdyne', 'Soylent', 'Hooli', 'Vandelay', 'Wonka', 'Tyrell', 'Aperture', 'Gringotts', 'Oscorp', 'Pied Piper', 'Dunder', 'Sterling', 'Blue Harbor', 'Redwood', 'Silverline', 'Brightpath', 'Ironclad', 'Summit', 'Evergreen', 'Keystone', 'Lumen', 'Meridian', 'Quantum'];
export const COMPANY_SECOND = ['Analytics', 'Logistics', 'Health', 'Foods', 'Robotics', 'Media', 'Energy', 'Finance', 'Retail', 'Labs', 'Systems', 'Works', 'Networks', 'Capital', 'Travel'];
export const SUFFIX = ['Inc', 'GmbH', 'Ltd', 'LLC', 'SA', 'Group'];

/** Top-level domains with the country and UTC offset (hours) of the company's office hours. */
export const REGIONS = [
  { tld: 'com', country: 'United States', utcOffset: -5 },
  { tld: 'io', country: 'United States', utcOffset: -8 },
  { tld: 'co.uk', country: 'United Kingdom', utcOffset: 0 },
  { tld: 'de', country: 'Germany', utcOffset: 1 },
  { tld: 'net', country: 'Netherlands', utcOffset: 1 },
  { tld: 'com.au', country: 'Australia', utcOffset: 10 },
] as const;

export const INDUSTRIES = ['Technology', 'Retail', 'Healthcare', 'Manufacturing', 'Finance', 'Transportation', 'Media', 'Education', 'Energy', 'Hospitality'];
/** Employee counts and the licensed seats that go with them. */
export const SIZES = [
  { employees: 35, seats: [5, 12] },
  { employees: 120, seats: [10, 25] },
  { employees: 450, seats: [20, 40] },
  { employees: 1_800, seats: [30, 60] },
  { employees: 9_500, seats: [50, 120] },
] as const;

export const FIRST_NAMES = ['Ava', 'Ben', 'Chloe', 'Daniel', 'Emma', 'Felix', 'Grace', 'Hugo', 'Isla', 'Jonas', 'Kira', 'Liam', 'Maya', 'Noah', 'Olivia', 'Pablo', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wes', 'Yara', 'Zoe', 'Aiko', 'Bjorn', 'Chidi', 'Dara', 'Elif'];
export const LAST_NAMES = ['Smith', 'Müller', 'Garcia', 'Chen', 'Okafor', 'Nguyen', 'Rossi', 'Dubois', 'Kowalski', 'Silva', 'Patel', 'Jensen', 'Novak', 'Haddad', 'Kim', 'Larsen', "O'Brien", 'Tanaka', 'Schröder', 'Ivanova'];
export const TITLES = ['VP Operations', 'Head of Support', 'Data Analyst', 'CTO', 'Product Manager', 'Office Manager', 'Engineer', 'Director of Sales', 'Head of Customer Experience', 'IT Administrator'];

export const FEATURES = ['Logged In', 'Viewed Dashboard', 'Created Report', 'Exported CSV', 'Invited User', 'Configured Alert', 'Ran Query', 'Shared Dashboard', 'API Call', 'Edited Settings', 'Uploaded Data', 'Added Comment'];
/** Features every cohort uses; the rest are used broadly by healthy and onboarding accounts only. */
export const CORE_FEATURES = 4;
export const BROWSERS = [
  { browser: 'Chrome', os: 'Windows' },
  { browser: 'Chrome', os: 'Mac OS X' },
  { browser: 'Safari', os: 'Mac OS X' },
  { browser: 'Firefox', os: 'Linux' },
  { browser: 'Microsoft Edge', os: 'Windows' },
] as const;
export const APP_PATHS = ['/dashboards', '/reports', '/reports/new', '/settings', '/alerts', '/data/import'];

export const PRODUCTS = [
  { name: 'Core Platform', perSeat: 600 },
  { name: 'Analytics Add-on', price: 9_000 },
  { name: 'Premium Support', price: 6_000 },
  { name: 'Data Connectors Pack', price: 4_500 },
  { name: 'Onboarding Services', price: 12_000 },
] as const;
export const REASONS = [
  'Replace three spreadsheets with one source of truth for the operations team; "we lose a day every month reconciling numbers".',
  'Board asked for weekly usage reporting; current BI tool needs an analyst for every change.',
  'Expanding into two new regions and need dashboards the regional leads can self-serve.',
  'Support escalations doubled last year; they want proactive alerts before customers notice.',
  'New COO wants one operational scorecard for all 14 sites before the Q3 board meeting.',
  'Their homegrown reporting broke after the ERP migration and nobody owns it any more.',
];
export const NEXT_STEPS = ['Kickoff call with the champion', 'Schedule admin training', 'Send data-import checklist', 'Executive sponsor intro', 'Confirm SSO setup date'];
export const CHALLENGES = ['Seasonal demand swings', 'New data-privacy regulation', 'Legacy ERP migration', 'Hiring freeze in IT', 'Consolidating acquisitions', 'Reducing churn in the SMB segment'];
export const PARTNERS = ['Bluebird Consulting (implementation)', 'DataWorks Staffing (staff augmentation)', 'Northstar Advisory (change management)'];
export const LOSS_REASONS = ['Budget cut; moved to a competitor.', 'Champion left; new VP consolidated on an in-house tool.', 'Low adoption after the first year; did not see the value.'];

export const TICKET_SUBJECTS = [
  'Dashboard not loading for some users', 'SSO login fails with SAML error', 'CSV export times out', 'How do I invite a new team member?',
  'Report numbers do not match our ERP', 'API returns 429 during nightly sync', 'Alert emails not arriving', 'Request: add custom fields to reports',
  'Data import stuck at 80%', 'Billing question about seat count', 'Permissions: analyst cannot see shared dashboard', 'Outage? Everything is slow this morning',
];
export const TICKET_TYPES = ['question', 'incident', 'problem', 'task'] as const;
export const CHANNELS = ['email', 'web', 'api', 'chat'] as const;
export const CSAT_COMMENTS = ['Quick and helpful, thanks!', 'Took three days to get an answer.', 'Solved on the first reply.', null] as const;

export const NPS_COMMENTS = {
  promoter: ['Love the dashboards.', 'Great product, support is fast.', 'Our ops team lives in it.'],
  passive: ['Does the job.', 'Good, but reports could be faster.', null],
  detractor: ['Reports are slow to load.', 'Too expensive for what we use.', 'Onboarding was confusing.', 'Support never follows up.'],
} as const;
