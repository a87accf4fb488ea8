/** Word lists for realistic names; picked by a seeded RNG. */
export const COMPANY_FIRST = ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Cyberdyne', 'Soylent', 'Hooli', 'Vandelay', 'Wonka', 'Tyrell', 'Aperture', 'Gringotts', 'Oscorp', 'Pied Piper', 'Dunder', 'Sterling', 'Blue Harbor', 'Redwood', 'Silverline', 'Brightpath', 'Ironclad', 'Summit', 'Evergreen', 'Keystone', 'Lumen', 'Meridian', 'Quantum'];
export const COMPANY_SECOND = ['Analytics', 'Logistics', 'Health', 'Foods', 'Robotics', 'Media', 'Energy', 'Finance', 'Retail', 'Labs', 'Systems', 'Works', 'Networks', 'Capital', 'Travel'];
export const SUFFIX = ['Inc', 'GmbH', 'Ltd', 'LLC', 'SA', 'Group'];
export const TLDS = ['com', 'io', 'co.uk', 'de', 'net'];
export const INDUSTRIES = ['Software', 'Retail', 'Healthcare', 'Manufacturing', 'Financial Services', 'Logistics', 'Media', 'Education'];
export const FIRST_NAMES = ['Ava', 'Ben', 'Chloe', 'Daniel', 'Emma', 'Felix', 'Grace', 'Hugo', 'Isla', 'Jonas', 'Kira', 'Liam', 'Maya', 'Noah', 'Olivia', 'Pablo', 'Quinn', 'Rosa', 'Sami', 'Tara', 'Umar', 'Vera', 'Wes', 'Yara', 'Zoe'];
export const LAST_NAMES = ['Smith', 'Müller', 'Garcia', 'Chen', 'Okafor', 'Nguyen', 'Rossi', 'Dubois', 'Kowalski', 'Silva', 'Patel', 'Jensen', 'Novak', 'Haddad', 'Kim', 'Larsen'];
export const TITLES = ['VP Operations', 'Head of Support', 'Data Analyst', 'CTO', 'Product Manager', 'Office Manager', 'Engineer', 'Director of Sales'];
export const FEATURES = ['login', 'view_dashboard', 'create_report', 'export_csv', 'invite_user', 'configure_alert', 'run_query', 'share_dashboard', 'api_call', 'edit_settings', 'upload_data', 'comment'];
export const PRODUCTS = [
  { id: 'Core Platform', price: 24_000 },
  { id: 'Analytics Add-on', price: 9_000 },
  { id: 'Premium Support', price: 6_000 },
  { id: 'Data Connectors Pack', price: 4_500 },
  { id: 'Onboarding Services', price: 12_000 },
];
export const REASONS = [
  'Replace three spreadsheets with one source of truth for the operations team; "we lose a day every month reconciling numbers".',
  'Board asked for weekly usage reporting; current BI tool needs an analyst for every change.',
  'Expanding into two new regions and need dashboards the regional leads can self-serve.',
  'Support escalations doubled last year; they want proactive alerts before customers notice.',
];
export const CHALLENGES = ['Seasonal demand swings', 'New data-privacy regulation', 'Legacy ERP migration', 'Hiring freeze in IT', 'Consolidating acquisitions'];
export const PARTNERS = ['Bluebird Consulting (implementation)', 'DataWorks Staffing (staff augmentation)', 'None'];
export const COMMENTS = ['Great product, support is fast.', 'Reports are slow to load.', 'Love the dashboards.', 'Too expensive for what we use.', 'Onboarding was confusing.', 'Does the job.'];
