// The student groups the Board report disaggregates by (roster codes). Its own module: the console's pages
// import it without the CSV parser (which needs Node's Buffer).
import { z } from 'zod';

/** Student characteristics the report breaks counts down by, and the groups of each (roster codes). */
export const DIMENSIONS = {
  'race-ethnicity': [
    'hispanic-latino',
    'american-indian-alaska-native',
    'asian',
    'black-african-american',
    'native-hawaiian-pacific-islander',
    'white',
    'two-or-more',
    'not-reported',
  ],
  sex: ['female', 'male', 'nonbinary'],
  disability: ['iep', '504', 'none'],
  'english-learner': ['yes', 'no'],
  'foster-youth': ['yes', 'no', 'unknown'],
  homeless: ['yes', 'no', 'unknown'],
} as const;
export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_IDS = Object.keys(DIMENSIONS) as Dimension[];
export const DimensionSchema = z.enum(DIMENSION_IDS as [Dimension, ...Dimension[]]);
