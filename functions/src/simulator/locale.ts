// Shop locale from its time zone: currency, country and a few believable addresses and names for generated customers.

export interface Address {
  address1: string;
  city: string;
  province: string | null;
  province_code: string | null;
  zip: string;
  country: string;
  country_code: string;
}

export interface ShopLocale {
  currency: string;
  country: string;
  phonePrefix: string;
  addresses: Address[];
  /** Sales tax / VAT rate applied on top of the subtotal (taxes_included false). */
  taxRate: number;
}

const us = (city: string, province: string, code: string, zip: string): Address => ({ address1: '', city, province, province_code: code, zip, country: 'United States', country_code: 'US' });

const LOCALES: Record<'US' | 'GB' | 'DE' | 'AU', ShopLocale> = {
  US: {
    currency: 'USD',
    country: 'United States',
    phonePrefix: '+1',
    taxRate: 0.07,
    addresses: [
      us('New York', 'New York', 'NY', '10001'),
      us('Brooklyn', 'New York', 'NY', '11201'),
      us('Boston', 'Massachusetts', 'MA', '02108'),
      us('Philadelphia', 'Pennsylvania', 'PA', '19103'),
      us('Atlanta', 'Georgia', 'GA', '30303'),
      us('Chicago', 'Illinois', 'IL', '60601'),
      us('Austin', 'Texas', 'TX', '78701'),
      us('Denver', 'Colorado', 'CO', '80202'),
      us('Seattle', 'Washington', 'WA', '98101'),
      us('Portland', 'Oregon', 'OR', '97205'),
      us('San Francisco', 'California', 'CA', '94103'),
      us('Los Angeles', 'California', 'CA', '90012'),
      us('Miami', 'Florida', 'FL', '33130'),
      us('Minneapolis', 'Minnesota', 'MN', '55401'),
    ],
  },
  GB: {
    currency: 'GBP',
    country: 'United Kingdom',
    phonePrefix: '+44',
    taxRate: 0.2,
    addresses: ['London|EC1A 1BB', 'Manchester|M1 1AE', 'Bristol|BS1 4DJ', 'Leeds|LS1 4AP', 'Edinburgh|EH1 1YZ', 'Brighton|BN1 1AA', 'Cardiff|CF10 1EP'].map((s) => {
      const [city, zip] = s.split('|') as [string, string];
      return { address1: '', city, province: null, province_code: null, zip, country: 'United Kingdom', country_code: 'GB' };
    }),
  },
  DE: {
    currency: 'EUR',
    country: 'Germany',
    phonePrefix: '+49',
    taxRate: 0.19,
    addresses: ['Berlin|10115', 'Hamburg|20095', 'München|80331', 'Köln|50667', 'Frankfurt am Main|60311', 'Leipzig|04109'].map((s) => {
      const [city, zip] = s.split('|') as [string, string];
      return { address1: '', city, province: null, province_code: null, zip, country: 'Germany', country_code: 'DE' };
    }),
  },
  AU: {
    currency: 'AUD',
    country: 'Australia',
    phonePrefix: '+61',
    taxRate: 0.1,
    addresses: [
      { address1: '', city: 'Sydney', province: 'New South Wales', province_code: 'NSW', zip: '2000', country: 'Australia', country_code: 'AU' },
      { address1: '', city: 'Melbourne', province: 'Victoria', province_code: 'VIC', zip: '3000', country: 'Australia', country_code: 'AU' },
      { address1: '', city: 'Brisbane', province: 'Queensland', province_code: 'QLD', zip: '4000', country: 'Australia', country_code: 'AU' },
    ],
  },
};

/** America/* → US, Europe/London → GB, other Europe/* → DE, Australia/* → AU, anything else → US. */
export function localeForTimeZone(timeZone: string): ShopLocale {
  if (timeZone === 'Europe/London') return LOCALES.GB;
  if (timeZone.startsWith('Europe/')) return LOCALES.DE;
  if (timeZone.startsWith('Australia/')) return LOCALES.AU;
  return LOCALES.US;
}

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Ethan',
  'Harper', 'Aiden', 'Evelyn', 'Jackson', 'Abigail', 'Leo', 'Emily', 'Sebastian', 'Ella', 'Daniel', 'Chloe', 'Henry', 'Grace',
  'Samuel', 'Zoe', 'Owen', 'Nora', 'Wyatt', 'Lily', 'Julian', 'Hannah', 'Levi', 'Aria', 'Priya', 'Wei', 'Fatima', 'Diego', 'Yuki',
];
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez',
  'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris',
  'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Nguyen', 'Patel', 'Kim', 'Chen',
];
export const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Park Pl', 'Elm St', 'Washington Ave', 'Lake Rd', 'Hill St', 'River Rd', 'Pine St', 'High St'];
